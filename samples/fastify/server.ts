// The chat's negotiate endpoint and event handler on Fastify instead of Express.
// From a fresh clone, first: npm ci && npm run build (samples import the built "webpubsub" package).
// Run: npx tsx samples/fastify/server.ts   (embedded emulator unless WebPubSubConnectionString is set)
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { WebPubSubServiceClient, parseConnectionString } from "webpubsub";
import { startEmulator, type Emulator } from "webpubsub/emulator";
import { WebPubSubEventHandler, negotiate } from "webpubsub/fastify";

export async function startFastifyServer(
  options: { connectionString?: string; port?: number } = {},
): Promise<{ url: string; app: FastifyInstance; emulator: Emulator | undefined; close(): Promise<void> }> {
  const app = Fastify();
  // The emulator needs this server's address for events, and this server needs the emulator's key,
  // so the emulator starts first and the event handler URL is set once Fastify listens.
  const emulator = options.connectionString === undefined ? await startEmulator({ port: 0 }) : undefined;
  const connectionString = options.connectionString ?? (emulator as Emulator).connectionString;
  const service = new WebPubSubServiceClient(connectionString, "chat");

  const handler = new WebPubSubEventHandler("chat", {
    path: "/eventhandler/",
    accessKeys: [parseConnectionString(connectionString).accessKey],
    handleUserEvent: async (request, response) => {
      await service.sendToAll({ from: request.context.userId ?? "anonymous", text: String(request.data) });
      response.success();
    },
  });
  await app.register(handler.getPlugin());
  app.get(
    "/negotiate",
    negotiate(service, {
      getUserId: (request) => (request.query as { id?: string }).id,
      roles: ["webpubsub.joinLeaveGroup.chat", "webpubsub.sendToGroup.chat"],
    }),
  );
  const url = await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  emulator?.setHub("chat", { url: `${url}/eventhandler/` });

  return {
    url,
    app,
    emulator,
    async close() {
      await service.close();
      await app.close();
      await emulator?.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connectionString = process.env["WebPubSubConnectionString"];
  const server = await startFastifyServer({
    ...(connectionString ? { connectionString } : {}),
    port: Number(process.env["PORT"] ?? 3000),
  });
  console.log(`fastify: GET ${server.url}/negotiate?id=alice`);
  process.once("SIGINT", () => void server.close());
}
