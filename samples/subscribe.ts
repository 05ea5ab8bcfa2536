// The classic tutorial, subscriber side: get a client URL from the service and print every message.
// From a fresh clone, first: npm ci && npm run build (samples import the built "webpubsub" package).
// Run: WebPubSubConnectionString="Endpoint=...;AccessKey=...;Version=1.0;" npx tsx samples/subscribe.ts [hub]
import WebSocket from "ws";
import { WebPubSubServiceClient } from "webpubsub";

const connectionString = process.env["WebPubSubConnectionString"];
if (!connectionString) throw new Error("Set WebPubSubConnectionString (try `npx webpubsub emulator`).");
const hub = process.argv[2] ?? "tutorial";

const service = new WebPubSubServiceClient(connectionString, hub);
const { url } = await service.getClientAccessToken();
await service.close();

const socket = new WebSocket(url);
socket.on("open", () => console.log(`connected to hub ${hub}`));
socket.on("message", (data) => console.log(`Message received: ${(data as Buffer).toString()}`));
socket.on("close", (code) => console.log(`disconnected (${code})`));
process.once("SIGINT", () => socket.close());
process.once("SIGTERM", () => socket.close());
