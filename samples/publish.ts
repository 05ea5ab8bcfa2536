// The classic tutorial, publisher side: send one text message to everyone in the hub.
// Run from a fresh clone: npm ci && npm run build, start `npx webpubsub emulator` (or use your service),
// then: WebPubSubConnectionString="<the printed connection string>" npx tsx samples/publish.ts "Hello World" [hub]
import { WebPubSubServiceClient } from "webpubsub";

const connectionString = process.env["WebPubSubConnectionString"];
if (!connectionString) {
  console.error(
    'usage: WebPubSubConnectionString="Endpoint=...;AccessKey=...;Version=1.0;" npx tsx samples/publish.ts [message] [hub]  (npx webpubsub emulator prints one)',
  );
  process.exit(2);
}
const message = process.argv[2] ?? "Hello World";
const hub = process.argv[3] ?? "tutorial";

const service = new WebPubSubServiceClient(connectionString, hub);
try {
  await service.sendToAll(message, { contentType: "text/plain" });
  console.log(`sent: ${message}`);
} finally {
  await service.close();
}
