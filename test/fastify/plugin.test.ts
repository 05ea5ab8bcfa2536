import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import Fastify, { type FastifyInstance } from "fastify";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { negotiate, WebPubSubEventHandler } from "../../src/fastify";
import { eventRequest, KEY, sign } from "../helpers/cloudEvents";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function serve(app: FastifyInstance): Promise<string> {
  apps.push(app);
  return app.listen({ port: 0, host: "127.0.0.1" });
}

describe("webpubsub/fastify", () => {
  it("serves events through the plugin without changing other routes' body parsing", async () => {
    const handler = new WebPubSubEventHandler("chat", {
      accessKeys: [KEY],
      handleConnect: (_req, res) => {
        res.setState("room", "lobby");
        res.success({ groups: ["lobby"] });
      },
      handleUserEvent: (req, res) => {
        if (req.dataType === "json")
          res.success({ got: req.data, room: req.context.states["room"] as unknown }, "json");
        else if (req.dataType === "text") res.success(`echo: ${req.data}`, "text");
        else res.success(req.data, "binary");
      },
    });
    const app = Fastify();
    await app.register(handler.getPlugin());
    // Async on purpose: the code under test awaits what it returns.
    // eslint-disable-next-line @typescript-eslint/require-await
    app.post("/json", async (request) => ({ parsed: request.body }));
    const url = await serve(app);
    const target = `${url}/api/webpubsub/hubs/chat/`;

    const preflight = await fetch(target, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "localhost" } });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("webhook-allowed-origin")).toBe("*");

    const connect = await fetch(target, eventRequest({ type: "azure.webpubsub.sys.connect", connectionId: "f1" }));
    expect(await connect.json()).toEqual({ groups: ["lobby"] });
    const state = connect.headers.get("ce-connectionState")!;

    const json = await fetch(
      target.slice(0, -1),
      eventRequest({
        type: "azure.webpubsub.user.message",
        connectionId: "f1",
        state,
        contentType: "application/json",
        body: '{"n":1}',
      }),
    );
    expect(await json.json()).toEqual({ got: { n: 1 }, room: "lobby" });
    const text = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.user.message", contentType: "text/plain", body: "yo" }),
    );
    expect(await text.text()).toBe("echo: yo");
    const binary = await fetch(
      target,
      eventRequest({
        type: "azure.webpubsub.user.message",
        contentType: "application/octet-stream",
        body: Uint8Array.from([0, 1]),
      }),
    );
    expect(binary.headers.get("content-type")).toBe("application/octet-stream");
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0, 1]);

    const missing = await fetch(target, eventRequest({ type: "azure.webpubsub.sys.connect", signature: null }));
    expect(missing.status).toBe(401);
    const forged = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.sys.connect", connectionId: "z", signature: sign("z", "bad") }),
    );
    expect(forged.status).toBe(401);
    expect((await fetch(target, eventRequest({ type: "azure.webpubsub.sys.connect", hub: "other" }))).status).toBe(404);

    const other = await fetch(`${url}/json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"x":2}',
    });
    expect(await other.json()).toEqual({ parsed: { x: 2 } });
  });

  it("a mixed-case path is served as given and as path reads it back, in a case-sensitive app", async () => {
    const handler = new WebPubSubEventHandler("chat", { accessKeys: [KEY], path: "/EventHandler" });
    expect(handler.path).toBe("/eventhandler/");
    const app = Fastify();
    await app.register(handler.getPlugin());
    const url = await serve(app);
    for (const path of ["/EventHandler/connect", "/EventHandler", "/eventhandler/connect"]) {
      const reply = await fetch(`${url}${path}`, eventRequest({ type: "azure.webpubsub.sys.connect" }));
      expect(reply.status).toBe(200);
    }
  });

  it("negotiate route answers { url } with the request's user", async () => {
    const client = new AzureClient(
      `Endpoint=https://contoso.webpubsub.azure.com;AccessKey=${KEY};Version=1.0;`,
      "chat",
    );
    const app = Fastify();
    app.get(
      "/negotiate",
      negotiate(client, {
        getUserId: (req) => (req.query as { id?: string }).id,
        roles: ["webpubsub.joinLeaveGroup"],
        clientProtocol: "socketio",
      }),
    );
    const url = await serve(app);
    const response = await fetch(`${url}/negotiate?id=bob`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { url: string };
    const clientUrl = new URL(body.url);
    expect(`${clientUrl.origin}${clientUrl.pathname}`).toBe(
      "wss://contoso.webpubsub.azure.com/clients/socketio/hubs/chat",
    );
    const { payload } = await jwtVerify(clientUrl.searchParams.get("access_token")!, new TextEncoder().encode(KEY), {
      audience: "https://contoso.webpubsub.azure.com/clients/socketio/hubs/chat",
    });
    expect(payload.sub).toBe("bob");
    expect(payload["role"]).toEqual(["webpubsub.joinLeaveGroup"]);
  });
});
