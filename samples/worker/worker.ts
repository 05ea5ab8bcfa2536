// A Cloudflare Worker that is both a Web PubSub publisher and its event handler (wrangler.toml beside it).
//   GET  /negotiate?user=<id>  → { url }: a client access token for the browser
//   POST /broadcast            → sends the request body to every connection of the hub
//   POST /eventhandler/        → the service's CloudEvents: each chat message is broadcast with its sender
// Same import as on Node: the `workerd` export condition gives the fetch + WebCrypto build (no node: modules,
// no nodejs_compat flag). Run it: `npx wrangler dev`, with WebPubSubConnectionString in .dev.vars.
import { RestError, WebPubSubServiceClient, parseConnectionString } from "webpubsub";
import { WebPubSubEventHandler } from "webpubsub/handler";

export interface Env {
  /** `Endpoint=...;AccessKey=...;Version=1.0;` (a secret: `wrangler secret put WebPubSubConnectionString`). */
  WebPubSubConnectionString: string;
}

const hub = "chat";
// One client and handler per isolate, reused by every request it serves (created on first use: env is
// only known inside a request).
let service: WebPubSubServiceClient | undefined;
let handler: WebPubSubEventHandler | undefined;

function setup(env: Env): { service: WebPubSubServiceClient; handler: WebPubSubEventHandler } {
  service ??= new WebPubSubServiceClient(env.WebPubSubConnectionString, hub, { totalTimeoutInMs: 10_000 });
  const client = service;
  handler ??= new WebPubSubEventHandler(hub, {
    path: "/eventhandler/",
    accessKeys: [parseConnectionString(env.WebPubSubConnectionString).accessKey],
    handleConnect: (req, res) => res.success({ groups: ["lobby"] }),
    handleUserEvent: async (req, res) => {
      await client.sendToAll({ from: req.context.userId ?? "anonymous", text: req.data });
      res.success();
    },
  });
  return { service, handler };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { service, handler } = setup(env);
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/negotiate") {
      const userId = url.searchParams.get("user") ?? undefined;
      const { url: clientUrl } = await service.getClientAccessToken({
        ...(userId === undefined ? {} : { userId }),
        groups: ["lobby"],
      });
      return Response.json({ url: clientUrl });
    }
    if (request.method === "POST" && url.pathname === "/broadcast") {
      try {
        await service.sendToAll(await request.text(), { contentType: "text/plain" });
        return new Response(null, { status: 202 });
      } catch (error) {
        if (error instanceof RestError) return new Response(`service answered ${error.statusCode}`, { status: 502 });
        throw error;
      }
    }
    return handler.handleRequest(request);
  },
};
