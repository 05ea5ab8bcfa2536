import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import express from "express";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { negotiate, WebPubSubEventHandler } from "../../src/express";
import { eventRequest, KEY, listen, sign, type Listening } from "../helpers/cloudEvents";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(app: express.Express): Promise<Listening> {
  const listening = await listen(app.listen(0, "127.0.0.1"));
  servers.push(listening);
  return listening;
}

function chatHandler(log: string[] = []) {
  return new WebPubSubEventHandler("chat", {
    accessKeys: [KEY],
    handleConnect: (req, res) => res.success({ userId: req.claims?.["sub"]?.[0] ?? "anon", groups: ["lobby"] }),
    handleUserEvent: (req, res) => {
      if (req.dataType === "text") res.success(`echo: ${req.data}`, "text");
      else if (req.dataType === "json") res.success(req.data, "json");
      else res.success(req.data, "binary");
    },
    onConnected: (req) => void log.push(`connected ${req.context.userId}`),
  });
}

describe("webpubsub/express", () => {
  it.each([
    ["without body parsers", false],
    ["after express.json/text/raw body parsers", true],
  ])("serves events on the default path %s", async (_name, parsers) => {
    const log: string[] = [];
    const handler = chatHandler(log);
    const app = express();
    if (parsers) app.use(express.json(), express.text(), express.raw());
    app.use(handler.getMiddleware());
    app.get("/health", (_req, res) => void res.send("ok"));
    const { url } = await serve(app);
    const target = `${url}/api/webpubsub/hubs/chat`;

    const preflight = await fetch(`${target}/`, {
      method: "OPTIONS",
      headers: { "WebHook-Request-Origin": "localhost" },
    });
    expect(preflight.headers.get("webhook-allowed-origin")).toBe("*");

    const connect = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.sys.connect", body: JSON.stringify({ claims: { sub: ["zoe"] } }) }),
    );
    expect(await connect.json()).toEqual({ userId: "zoe", groups: ["lobby"] });

    const connected = await fetch(target, eventRequest({ type: "azure.webpubsub.sys.connected", userId: "zoe" }));
    expect(connected.status).toBe(200);
    expect(log).toEqual(["connected zoe"]);

    const text = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.user.message", contentType: "text/plain", body: "hi" }),
    );
    expect(await text.text()).toBe("echo: hi");
    const json = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.user.message", contentType: "application/json", body: '{"a":[1,2]}' }),
    );
    expect(await json.json()).toEqual({ a: [1, 2] });
    const binary = await fetch(
      target,
      eventRequest({
        type: "azure.webpubsub.user.message",
        contentType: "application/octet-stream",
        body: Uint8Array.from([9, 8, 7]),
      }),
    );
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([9, 8, 7]);

    const forged = await fetch(
      target,
      eventRequest({ type: "azure.webpubsub.sys.connect", connectionId: "x", signature: sign("x", "bad") }),
    );
    expect(forged.status).toBe(401);

    // Other routes and other hubs fall through to the rest of the app.
    expect(await (await fetch(`${url}/health`)).text()).toBe("ok");
    expect((await fetch(target, eventRequest({ type: "azure.webpubsub.sys.connect", hub: "other" }))).status).toBe(404);
  });

  it("serves a custom path under a mount point", async () => {
    const handler = new WebPubSubEventHandler("chat", { accessKeys: [KEY], path: "/events" });
    const app = express();
    app.use("/hooks", handler.getMiddleware());
    const { url } = await serve(app);
    expect((await fetch(`${url}/hooks/events`, eventRequest({ type: "azure.webpubsub.sys.connect" }))).status).toBe(
      200,
    );
  });

  it("negotiate answers { url } with a token for the user, roles and groups from the request", async () => {
    const client = new AzureClient(`Endpoint=http://localhost:8080;AccessKey=${KEY};Version=1.0;`, "chat");
    const app = express();
    app.get(
      "/negotiate",
      negotiate(client, {
        getUserId: (req) => (typeof req.query["id"] === "string" ? req.query["id"] : undefined),
        roles: (req) => [`webpubsub.sendToGroup.${typeof req.query["room"] === "string" ? req.query["room"] : ""}`],
        groups: ["lobby"],
        expirationTimeInMinutes: 10,
      }),
    );
    app.get("/fail", negotiate(client, { getUserId: () => Promise.reject(new Error("no session")) }));
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(401).send(error.message);
    });
    const { url } = await serve(app);

    const response = await fetch(`${url}/negotiate?id=alice&room=r1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { url: string };
    expect(Object.keys(body)).toEqual(["url"]);
    const clientUrl = new URL(body.url);
    expect(`${clientUrl.origin}${clientUrl.pathname}`).toBe("ws://localhost:8080/client/hubs/chat");
    const { payload } = await jwtVerify(clientUrl.searchParams.get("access_token")!, new TextEncoder().encode(KEY), {
      audience: "http://localhost:8080/client/hubs/chat",
    });
    expect(payload.sub).toBe("alice");
    expect(payload["role"]).toEqual(["webpubsub.sendToGroup.r1"]);
    expect(payload["webpubsub.group"]).toEqual(["lobby"]);
    expect(payload.exp! - payload.iat!).toBe(600);

    const failed = await fetch(`${url}/fail`);
    expect(failed.status).toBe(401);
    expect(await failed.text()).toBe("no session");
  });

  it("negotiate rejects a client without getClientAccessToken at setup", () => {
    expect(() => negotiate({} as never)).toThrow(/getClientAccessToken/);
  });
});
