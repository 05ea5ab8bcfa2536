import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors";
import {
  WebPubSubEventHandler,
  type ConnectRequest,
  type DisconnectedRequest,
  type GroupEventRequest,
  type UserEventRequest,
  type WebPubSubEventHandlerOptions,
} from "../../src/handler";
import {
  eventRequest,
  KEY,
  listen,
  SECOND_KEY,
  sign,
  webServer,
  type EventInit,
  type Listening,
} from "../helpers/cloudEvents";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Mode = "node" | "web";

/** Starts the handler behind a real server in either mode and returns a function posting events to it. */
async function start(mode: Mode, options: WebPubSubEventHandlerOptions, hub = "chat") {
  const handler = new WebPubSubEventHandler(hub, { accessKeys: [KEY], ...options });
  const server =
    mode === "node"
      ? createServer((req, res) => void handler.handleNodeRequest(req, res))
      : webServer((request) => handler.handleRequest(request));
  const listening = await listen(server);
  servers.push(listening);
  const target = `${listening.url}${handler.path}`;
  return {
    target,
    send: (init: EventInit) => fetch(target, eventRequest(init)),
    fetch: (init: RequestInit) => fetch(target, init),
  };
}

describe.each(["node", "web"] as const)("WebPubSubEventHandler core (%s)", (mode) => {
  describe("abuse protection", () => {
    it("allows every origin by default", async () => {
      const server = await start(mode, {});
      const response = await server.fetch({
        method: "OPTIONS",
        headers: { "WebHook-Request-Origin": "contoso.webpubsub.azure.com", "ce-awpsversion": "1.0" },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("webhook-allowed-origin")).toBe("*");
    });

    it("echoes an allowed origin and refuses others", async () => {
      const server = await start(mode, { allowedEndpoints: ["https://contoso.webpubsub.azure.com"] });
      const ok = await server.fetch({
        method: "OPTIONS",
        headers: { "WebHook-Request-Origin": "contoso.webpubsub.azure.com" },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("webhook-allowed-origin")).toBe("contoso.webpubsub.azure.com");
      const bad = await server.fetch({ method: "OPTIONS", headers: { "WebHook-Request-Origin": "evil.example" } });
      expect(bad.status).toBe(403);
      expect(bad.headers.get("webhook-allowed-origin")).toBeNull();
      const missing = await server.fetch({ method: "OPTIONS" });
      expect(missing.status).toBe(400);
      expect(await missing.text()).toMatch(/WebHook-Request-Origin/);
    });
  });

  describe("signatures", () => {
    it("answers 401 with a clear body for missing and forged signatures, and never runs the handler", async () => {
      let calls = 0;
      const server = await start(mode, {
        handleConnect: (_req, res) => {
          calls++;
          res.success();
        },
        onConnected: () => void calls++,
      });
      const missing = await server.send({ type: "azure.webpubsub.sys.connect", connectionId: "c1", signature: null });
      expect(missing.status).toBe(401);
      expect(await missing.text()).toMatch(/Missing ce-signature/);

      const forged = await server.send({
        type: "azure.webpubsub.sys.connect",
        connectionId: "c1",
        signature: sign("c1", "not-the-key"),
      });
      expect(forged.status).toBe(401);
      const text = await forged.text();
      expect(text).toMatch(/Invalid ce-signature/);
      expect(text).not.toContain(KEY);

      const otherConnection = await server.send({
        type: "azure.webpubsub.sys.connected",
        connectionId: "c2",
        signature: sign("c1", KEY),
      });
      expect(otherConnection.status).toBe(401);
      expect(calls).toBe(0);
    });

    it("accepts either key during rotation, and keys from a function", async () => {
      let keys = [KEY];
      const server = await start(mode, { accessKeys: () => keys, handleConnect: (_req, res) => res.success() });
      expect(
        (
          await server.send({
            type: "azure.webpubsub.sys.connect",
            connectionId: "c",
            signature: sign("c", KEY, SECOND_KEY),
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await server.send({
            type: "azure.webpubsub.sys.connect",
            connectionId: "c",
            signature: sign("c", SECOND_KEY),
          })
        ).status,
      ).toBe(401);
      keys = [KEY, SECOND_KEY];
      expect(
        (
          await server.send({
            type: "azure.webpubsub.sys.connect",
            connectionId: "c",
            signature: sign("c", SECOND_KEY),
          })
        ).status,
      ).toBe(204);
    });

    it("skips verification only when verifySignature is false", async () => {
      const server = await start(mode, {
        verifySignature: false,
        accessKeys: [],
        handleConnect: (_req, res) => res.success(),
      });
      expect((await server.send({ type: "azure.webpubsub.sys.connect", signature: null })).status).toBe(204);
    });
  });

  describe("connect", () => {
    const connectBody = JSON.stringify({
      claims: { sub: ["alice"], role: ["webpubsub.sendToGroup"] },
      query: { room: ["lobby"] },
      headers: { "user-agent": ["test"] },
      subprotocols: ["json.webpubsub.azure.v1", "custom"],
      clientCertificates: [{ thumbprint: "abc" }],
    });

    it("passes the request and context and accepts with userId/groups/roles/subprotocol", async () => {
      let seen: ConnectRequest | undefined;
      const server = await start(mode, {
        handleConnect: (req, res) => {
          seen = req;
          res.success({
            userId: "alice2",
            groups: ["lobby"],
            roles: ["webpubsub.joinLeaveGroup.lobby"],
            subprotocol: "custom",
          });
        },
      });
      const response = await server.send({
        type: "azure.webpubsub.sys.connect",
        connectionId: "conn-1",
        userId: "alice",
        body: connectBody,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        userId: "alice2",
        groups: ["lobby"],
        roles: ["webpubsub.joinLeaveGroup.lobby"],
        subprotocol: "custom",
      });
      expect(seen?.claims).toEqual({ sub: ["alice"], role: ["webpubsub.sendToGroup"] });
      expect(seen?.query).toEqual({ room: ["lobby"] });
      expect(seen?.queries).toEqual({ room: ["lobby"] });
      expect(seen?.headers).toEqual({ "user-agent": ["test"] });
      expect(seen?.subprotocols).toEqual(["json.webpubsub.azure.v1", "custom"]);
      expect(seen?.clientCertificates).toEqual([{ thumbprint: "abc" }]);
      expect(seen?.context).toEqual({
        hub: "chat",
        connectionId: "conn-1",
        userId: "alice",
        eventName: "connect",
        origin: "localhost",
        states: {},
        clientProtocol: "default",
      });
      // The signature is there for code written against @azure/web-pubsub-express, but never serialised.
      expect(seen?.context.signature).toBe(sign("conn-1", KEY));
      expect(JSON.stringify(seen)).not.toContain("sha256=");
    });

    it("accepts as is with 204 when success() has no argument, and with an empty 200 when there is no handler", async () => {
      // Async on purpose: the code under test awaits what it returns.
      // eslint-disable-next-line @typescript-eslint/require-await
      const server = await start(mode, { handleConnect: async (_req, res) => res.success() });
      const response = await server.send({ type: "azure.webpubsub.sys.connect", body: connectBody });
      expect(response.status).toBe(204);
      expect(response.headers.get("content-type")).toBeNull();
      expect(await response.text()).toBe("");
      // An async handler that returns without replying accepts the same way.
      const silent = await start(mode, { handleConnect: async () => {} });
      expect((await silent.send({ type: "azure.webpubsub.sys.connect", body: connectBody })).status).toBe(204);
      const bare = await start(mode, {});
      const unhandled = await bare.send({ type: "azure.webpubsub.sys.connect", body: connectBody });
      expect(unhandled.status).toBe(200);
      expect(await unhandled.text()).toBe("");
    });

    it("rejects with the handler's status and detail, including a reply made later", async () => {
      const server = await start(mode, {
        handleConnect: (req, res) => {
          if (req.query?.["room"]?.[0] === "vip") setTimeout(() => res.fail(401, "not on the list"), 10);
          else res.fail(400, "bad room");
        },
      });
      const vip = await server.send({
        type: "azure.webpubsub.sys.connect",
        body: JSON.stringify({ query: { room: ["vip"] } }),
      });
      expect(vip.status).toBe(401);
      expect(await vip.text()).toBe("not on the list");
      const other = await server.send({
        type: "azure.webpubsub.sys.connect",
        body: JSON.stringify({ query: { room: ["x"] } }),
      });
      expect(other.status).toBe(400);
      expect(await other.text()).toBe("bad room");
    });

    it("answers 500 without details when the handler throws, and reports the error", async () => {
      const errors: unknown[] = [];
      const server = await start(mode, {
        // Async on purpose: the code under test awaits what it returns.
        // eslint-disable-next-line @typescript-eslint/require-await
        handleConnect: async () => {
          throw new Error("database password is hunter2");
        },
        onError: (error) => errors.push(error),
      });
      const response = await server.send({ type: "azure.webpubsub.sys.connect" });
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain("hunter2");
      expect(errors).toHaveLength(1);
    });
  });

  describe("user events", () => {
    async function echoServer() {
      const seen: UserEventRequest[] = [];
      const server = await start(mode, {
        handleUserEvent: (req, res) => {
          seen.push(req);
          if (req.dataType === "json") res.success({ echo: req.data }, "json");
          else if (req.dataType === "text") res.success(`echo: ${req.data}`, "text");
          else res.success(Uint8Array.from([...req.data].reverse()), "binary");
        },
      });
      return { server, seen };
    }

    it("parses json and replies json", async () => {
      const { server, seen } = await echoServer();
      const response = await server.send({
        type: "azure.webpubsub.user.message",
        contentType: "application/json",
        body: JSON.stringify({ text: "hi" }),
        userId: "bob",
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ echo: { text: "hi" } });
      expect(seen[0]).toMatchObject({
        dataType: "json",
        data: { text: "hi" },
        context: { eventName: "message", userId: "bob" },
      });
    });

    it("parses text and replies text", async () => {
      const { server, seen } = await echoServer();
      const response = await server.send({
        type: "azure.webpubsub.user.chat",
        eventName: "chat",
        contentType: "text/plain; charset=utf-8",
        body: "héllo",
      });
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await response.text()).toBe("echo: héllo");
      expect(seen[0]).toMatchObject({ dataType: "text", data: "héllo", context: { eventName: "chat" } });
    });

    it("passes binary as bytes and replies octet-stream", async () => {
      const { server, seen } = await echoServer();
      const response = await server.send({
        type: "azure.webpubsub.user.message",
        contentType: "application/octet-stream",
        body: Uint8Array.from([1, 2, 3, 255]),
      });
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
      expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([255, 3, 2, 1]);
      expect([...(seen[0]!.data as Uint8Array)]).toEqual([1, 2, 3, 255]);
      expect(seen[0]!.dataType).toBe("binary");
    });

    it("answers an empty 200 when the handler replies with no data or none at all, as when there is no handler", async () => {
      const server = await start(mode, {
        handleUserEvent: async (req, res) => {
          // An async handler that resolves without replying answers as success() does.
          if (req.context.eventName !== "silent") res.success();
          await Promise.resolve();
        },
      });
      for (const eventName of ["message", "silent"]) {
        const reply = await server.send({
          type: `azure.webpubsub.user.${eventName}`,
          eventName,
          contentType: "text/plain",
          body: "x",
        });
        expect(reply.status).toBe(200);
        expect(reply.headers.get("content-type")).toBe("application/octet-stream");
        expect(await reply.text()).toBe("");
      }
      const bare = await start(mode, {});
      // Unhandled events are not even read: an empty JSON body is no reason for a 400.
      const unhandled = await bare.send({
        type: "azure.webpubsub.user.message",
        contentType: "application/json",
        body: "",
      });
      expect(unhandled.status).toBe(200);
      expect(await unhandled.text()).toBe("");
    });

    it("fails with the handler's code", async () => {
      const server = await start(mode, { handleUserEvent: (_req, res) => res.fail(500, "try later") });
      const response = await server.send({
        type: "azure.webpubsub.user.message",
        contentType: "text/plain",
        body: "x",
      });
      expect(response.status).toBe(500);
      expect(await response.text()).toBe("try later");
    });
  });

  describe("connection state", () => {
    it("round-trips state set at connect through later events", async () => {
      const states: Record<string, unknown>[] = [];
      const server = await start(mode, {
        handleConnect: (_req, res) => {
          res.setState("counter", 1);
          res.setState("name", "ünïcode");
          res.success();
        },
        handleUserEvent: (req, res) => {
          states.push({ ...req.context.states });
          res.setState("counter", (req.context.states["counter"] as number) + 1);
          res.success("ok", "text");
        },
        onDisconnected: (req) => void states.push({ ...req.context.states }),
      });
      const connect = await server.send({ type: "azure.webpubsub.sys.connect", connectionId: "s1" });
      const header = connect.headers.get("ce-connectionState");
      expect(header).toBeTruthy();
      expect(JSON.parse(Buffer.from(header!, "base64").toString("utf8"))).toEqual({ counter: 1, name: "ünïcode" });

      const event = await server.send({
        type: "azure.webpubsub.user.message",
        connectionId: "s1",
        contentType: "text/plain",
        body: "x",
        state: header!,
      });
      const next = event.headers.get("ce-connectionState")!;
      expect(JSON.parse(Buffer.from(next, "base64").toString("utf8"))).toEqual({ counter: 2, name: "ünïcode" });

      await server.send({
        type: "azure.webpubsub.sys.disconnected",
        connectionId: "s1",
        state: next,
        body: JSON.stringify({ reason: "bye" }),
      });
      expect(states).toEqual([
        { counter: 1, name: "ünïcode" },
        { counter: 2, name: "ünïcode" },
      ]);
    });

    it("sends no state header when nothing was set", async () => {
      const server = await start(mode, { handleConnect: (_req, res) => res.success({ userId: "u" }) });
      const response = await server.send({ type: "azure.webpubsub.sys.connect", state: { kept: true } });
      expect(response.headers.get("ce-connectionState")).toBeNull();
    });
  });

  describe("lenient connection state", () => {
    it("handles an event whose ce-connectionState is not base64 JSON as having no state, like @azure/web-pubsub-express", async () => {
      const seen: Record<string, unknown>[] = [];
      const server = await start(mode, {
        handleConnect: (req, res) => {
          seen.push({ ...req.context.states });
          res.setState("fresh", true);
          res.success();
        },
      });
      const response = await server.send({ type: "azure.webpubsub.sys.connect", state: "%%%notbase64" });
      expect(response.status).toBe(204);
      expect(seen).toEqual([{}]);
      expect(JSON.parse(Buffer.from(response.headers.get("ce-connectionState")!, "base64").toString())).toEqual({
        fresh: true,
      });
    });
  });

  describe("non-blocking events", () => {
    it("delivers connected, disconnected (with reason) and group joined/left", async () => {
      const log: string[] = [];
      const server = await start(mode, {
        onConnected: (req) => void log.push(`connected ${req.context.connectionId} ${req.context.userId ?? "-"}`),
        onDisconnected: (req: DisconnectedRequest) => void log.push(`disconnected ${req.reason ?? "-"}`),
        onGroupJoined: (req: GroupEventRequest) => void log.push(`joined ${req.group}`),
        onGroupLeft: (req: GroupEventRequest) => void log.push(`left ${req.group}`),
      });
      expect(
        (await server.send({ type: "azure.webpubsub.sys.connected", connectionId: "k1", userId: "amy" })).status,
      ).toBe(200);
      expect(
        (await server.send({ type: "azure.webpubsub.gp.joined", body: JSON.stringify({ group: "g1" }) })).status,
      ).toBe(200);
      expect(
        (await server.send({ type: "azure.webpubsub.gp.left", body: JSON.stringify({ group: "g1" }) })).status,
      ).toBe(200);
      expect(
        (
          await server.send({
            type: "azure.webpubsub.sys.disconnected",
            body: JSON.stringify({ reason: "closed by client" }),
          })
        ).status,
      ).toBe(200);
      expect(log).toEqual(["connected k1 amy", "joined g1", "left g1", "disconnected closed by client"]);
    });
  });

  describe("malformed requests", () => {
    it.each<[string, EventInit, RegExp]>([
      ["invalid connect JSON", { type: "azure.webpubsub.sys.connect", body: "{nope" }, /not valid JSON/],
      [
        "invalid user JSON",
        { type: "azure.webpubsub.user.message", contentType: "application/json", body: "{nope" },
        /not valid JSON/,
      ],
      [
        "missing connection id",
        { type: "azure.webpubsub.sys.connect", extraHeaders: { "ce-connectionId": "" } },
        /ce-connectionId/,
      ],
    ])("answers 400 for %s and never runs the handler", async (_name, init, message) => {
      let calls = 0;
      const server = await start(mode, {
        handleConnect: (_req, res) => {
          calls++;
          res.success();
        },
        handleUserEvent: (_req, res) => {
          calls++;
          res.success();
        },
      });
      const response = await server.send(init);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(message);
      expect(calls).toBe(0);
    });

    it("refuses events for another hub and non-CloudEvents requests", async () => {
      const server = await start(mode, { handleConnect: (_req, res) => res.success() });
      const otherHub = await server.send({ type: "azure.webpubsub.sys.connect", hub: "other" });
      expect(otherHub.status).toBe(400);
      expect(await otherHub.text()).toMatch(/hub "chat"/);
      expect((await server.fetch({ method: "POST", body: "{}" })).status).toBe(400);
      expect((await server.fetch({ method: "GET" })).status).toBe(405);
      // Hub names are case-insensitive.
      expect((await server.send({ type: "azure.webpubsub.sys.connect", hub: "CHAT" })).status).toBe(204);
      // An event type this version does not know is not ours either (@azure/web-pubsub-express passes it on too).
      expect((await server.send({ type: "azure.webpubsub.sys.unknown" })).status).toBe(400);
    });

    it("answers 413 past maxBodyBytes", async () => {
      const server = await start(mode, { maxBodyBytes: 16, handleUserEvent: (_req, res) => res.success() });
      const response = await server.send({
        type: "azure.webpubsub.user.message",
        contentType: "text/plain",
        body: "x".repeat(1000),
      });
      expect(response.status).toBe(413);
    });
  });
});

describe("WebPubSubEventHandler options", () => {
  it("requires access keys unless verification is turned off, naming the argument", () => {
    const error = (() => {
      try {
        new WebPubSubEventHandler("chat", {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).argument).toBe("accessKeys");
    expect(() => new WebPubSubEventHandler("chat", { accessKeys: [] })).toThrow(ValidationError);
    expect(() => new WebPubSubEventHandler("chat", { verifySignature: false })).not.toThrow();
    expect(() => new WebPubSubEventHandler("", { verifySignature: false })).toThrow(/hub/);
    expect(() => new WebPubSubEventHandler("chat", ["https://x"] as never)).toThrow(/options/);
    // Every allowedEndpoints entry is checked, even next to "*"; the message names the bad one.
    const endpoints = (allowedEndpoints: unknown[]) => () =>
      new WebPubSubEventHandler("chat", { verifySignature: false, allowedEndpoints: allowedEndpoints as string[] });
    expect(endpoints(["*", "contoso.webpubsub.azure.com"])).toThrow(/Invalid URL.*"contoso\.webpubsub\.azure\.com"/);
    expect(endpoints([42])).toThrow(TypeError);
    expect(endpoints(["mailto:ops@example.com"])).toThrow(/"mailto:ops@example\.com"/);
    expect(endpoints(["*"])).not.toThrow();
  });

  it("defaults the path like @azure/web-pubsub-express and matches it loosely", () => {
    const handler = new WebPubSubEventHandler("chat", { accessKeys: [KEY] });
    expect(handler.path).toBe("/api/webpubsub/hubs/chat/");
    expect(handler.matchesPath("/api/webpubsub/hubs/chat")).toBe(true);
    expect(handler.matchesPath("/API/webpubsub/hubs/chat/?x=1")).toBe(true);
    expect(handler.matchesPath("/api/webpubsub/hubs/other/")).toBe(false);
  });

  it("routes other paths to 404 in handleNodeRequest without next", async () => {
    const handler = new WebPubSubEventHandler("chat", { accessKeys: [KEY] });
    const listening = await listen(createServer((req, res) => void handler.handleNodeRequest(req, res)));
    servers.push(listening);
    expect(
      (await fetch(`${listening.url}/elsewhere`, eventRequest({ type: "azure.webpubsub.sys.connect" }))).status,
    ).toBe(404);
  });
});

describe("user event replies", () => {
  it("sends bytes given with json/text as they are, and a thrown reply error becomes a 500", async () => {
    const bytes = new TextEncoder().encode('{"from":"bytes"}');
    const handler = new WebPubSubEventHandler("chat", {
      accessKeys: [KEY],
      handleUserEvent: (req, res) => {
        if (req.context.eventName === "json") res.success(bytes.buffer, "json");
        else if (req.context.eventName === "text") res.success(new TextEncoder().encode("tëxt"), "text");
        else res.success({ not: "bytes" }, "text");
      },
    });
    const listening = await listen(createServer((req, res) => void handler.handleNodeRequest(req, res)));
    servers.push(listening);
    const post = (eventName: string) =>
      fetch(
        `${listening.url}${handler.path}`,
        eventRequest({ type: `azure.webpubsub.user.${eventName}`, eventName, contentType: "text/plain", body: "x" }),
      );
    expect(await (await post("json")).json()).toEqual({ from: "bytes" });
    expect(await (await post("text")).text()).toBe("tëxt");
    expect((await post("bad")).status).toBe(500);
  });
});
