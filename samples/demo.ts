// The README's first command (`npm run demo`): start the emulator in-process, mint tokens with the SDK,
// connect a simple WebSocket client and a `json.webpubsub.azure.v1` client, publish to all, to a group and
// to a user, print what each client receives, and exit 0 once everything has arrived.
import WebSocket from "ws";
import { WebPubSubServiceClient } from "../src/index";
import { startEmulator } from "../src/emulator/index";

const hub = "demo";

function log(who: string, text: string): void {
  process.stdout.write(`${who.padEnd(10)} ${text}\n`);
}

/** Opens a WebSocket and collects what it receives; `until(n)` resolves once n messages arrived. */
function connect(url: string, protocol?: string) {
  const socket = protocol === undefined ? new WebSocket(url) : new WebSocket(url, protocol);
  const received: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  socket.on("message", (data, isBinary) => {
    received.push(isBinary ? `<binary ${(data as Buffer).length} bytes>` : (data as Buffer).toString());
    for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
  });
  const open = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const until = (n: number) =>
    received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  return { socket, received, open, until };
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ port: 0 });
  log("emulator", `listening: ${emulator.connectionString.replace(/AccessKey=[^;]+/, "AccessKey=***")}`);
  const client = new WebPubSubServiceClient(emulator.connectionString, hub);
  try {
    // A simple client: every message arrives as a plain frame.
    const simpleToken = await client.getClientAccessToken({ userId: "simple-user" });
    const simple = connect(simpleToken.url);
    await simple.open;
    log("simple", "connected (no subprotocol)");

    // A PubSub client: JSON envelopes, may join groups (it has the role for it).
    const pubsubToken = await client.getClientAccessToken({
      userId: "alice",
      roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
    });
    const pubsub = connect(pubsubToken.url, "json.webpubsub.azure.v1");
    await pubsub.open;
    await pubsub.until(1); // the `connected` system message
    pubsub.socket.send(JSON.stringify({ type: "joinGroup", ackId: 1, group: "group1" }));
    await pubsub.until(2); // the ack
    log("alice", `joined group1`);

    await client.sendToAll("Hello World", { contentType: "text/plain" });
    await client.sendToAll({ from: "server", text: "hello, everyone" });
    await client.group("group1").sendToAll({ text: "hello, group1" });
    await client.sendToUser("simple-user", "just for you", { contentType: "text/plain" });
    log("server", "published: text to all, JSON to all, JSON to group1, text to simple-user");

    const timeout = setTimeout(() => {
      process.stderr.write("demo: timed out waiting for messages\n");
      process.exit(1);
    }, 10_000);
    await Promise.all([simple.until(3), pubsub.until(5)]);
    clearTimeout(timeout);
    for (const message of simple.received) log("simple", `received ${message}`);
    for (const message of pubsub.received) log("alice", `received ${message}`);
    simple.socket.close();
    pubsub.socket.close();
    log("demo", "all messages arrived");
  } finally {
    await client.close();
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
