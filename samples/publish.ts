// The classic tutorial, publisher side: send one text message to everyone in the hub.
// Run: WebPubSubConnectionString="..." npx tsx samples/publish.ts "Hello World" [hub]
import { WebPubSubServiceClient } from "webpubsub";

const connectionString = process.env["WebPubSubConnectionString"];
if (!connectionString) throw new Error("Set WebPubSubConnectionString (try `npx webpubsub emulator`).");
const message = process.argv[2] ?? "Hello World";
const hub = process.argv[3] ?? "tutorial";

const service = new WebPubSubServiceClient(connectionString, hub);
try {
  await service.sendToAll(message, { contentType: "text/plain" });
  console.log(`sent: ${message}`);
} finally {
  await service.close();
}
