// A chat app: Express serves the page, hands each browser a client URL (negotiate) and handles the
// service's events (connect, user messages, disconnect). Messages from one browser are broadcast to all.
//
// From a fresh clone, first: npm ci && npm run build (samples import the built "webpubsub" package).
// Run against the embedded emulator:   npx tsx samples/chat/server.ts            (then open the printed URL)
// Run against a real service:          WebPubSubConnectionString="..." npx tsx samples/chat/server.ts
// (with a real service, configure the hub's event handler URL to http(s)://<your host>/eventhandler/)
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import { WebPubSubServiceClient, parseConnectionString } from "webpubsub";
import { startEmulator, type Emulator } from "webpubsub/emulator";
import { WebPubSubEventHandler, negotiate } from "webpubsub/express";

const hub = "chat";

export interface ChatServer {
  url: string;
  emulator: Emulator | undefined;
  close(): Promise<void>;
}

export async function startChatServer(options: { connectionString?: string; port?: number } = {}): Promise<ChatServer> {
  const app = express();
  const server: Server = app.listen(options.port ?? 0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // No connection string: run the emulator in-process and point the hub's events at this server.
  const emulator =
    options.connectionString === undefined
      ? await startEmulator({ port: 0, hubs: { [hub]: { url: `${base}/eventhandler/` } } })
      : undefined;
  const connectionString = options.connectionString ?? (emulator as Emulator).connectionString;
  const service = new WebPubSubServiceClient(connectionString, hub);

  const handler = new WebPubSubEventHandler(hub, {
    path: "/eventhandler/",
    accessKeys: [parseConnectionString(connectionString).accessKey],
    handleConnect: (request, response) => response.success({ groups: ["everyone"] }),
    onConnected: async ({ context }) => {
      await service.sendToAll({ system: true, text: `${context.userId ?? "someone"} joined` });
    },
    handleUserEvent: async (request, response) => {
      if (request.context.eventName !== "message" || typeof request.data !== "string" || request.data.length > 2000) {
        return response.fail(400, "send text messages of at most 2000 characters");
      }
      await service.sendToAll({ from: request.context.userId ?? "anonymous", text: request.data });
      response.success();
    },
  });

  app.use(handler.getMiddleware());
  app.get(
    "/negotiate",
    negotiate(service, {
      getUserId: (req) => (typeof req.query["id"] === "string" && req.query["id"] !== "" ? req.query["id"] : undefined),
    }),
  );
  app.use(express.static(fileURLToPath(new URL("./public", import.meta.url))));

  return {
    url: base,
    emulator,
    async close() {
      await service.close();
      await emulator?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connectionString = process.env["WebPubSubConnectionString"];
  const chat = await startChatServer({
    ...(connectionString ? { connectionString } : {}),
    port: Number(process.env["PORT"] ?? 3000),
  });
  console.log(`chat: open ${chat.url}/?id=alice and ${chat.url}/?id=bob${chat.emulator ? " (embedded emulator)" : ""}`);
  const stop = () => void chat.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
