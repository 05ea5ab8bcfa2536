// Differential: the same CloudEvents requests through @azure/web-pubsub-express 1.1's middleware and ours,
// each in a real Express app, with the same handler callbacks. Status, headers and body must match, and so
// must what the callbacks are given (apart from the signature, which ours keeps out of serialisation).
import {
  MqttV311ConnectReturnCode as AzureV311,
  MqttV500ConnectReasonCode as AzureV500,
  MqttDisconnectReasonCode as AzureDisconnect,
  WebPubSubEventHandler as AzureHandler,
} from "@azure/web-pubsub-express";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MqttDisconnectReasonCode,
  MqttV311ConnectReturnCode,
  MqttV500ConnectReasonCode,
  WebPubSubEventHandler,
  type WebPubSubEventHandlerOptions,
} from "../../src/express";
import { eventRequest, KEY, listen, type EventInit, type Listening } from "../helpers/cloudEvents";

type Seen = Record<string, unknown>[];

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-assignment --
   one set of callbacks is given to both @azure/web-pubsub-express's handler and ours, and some replies are outside
   either's declared types on purpose (an unknown MQTT code, a non-JSON string as json): `any` is the point here. */
/** Handler callbacks shared by both sides; what each reply is depends on the request's query/event name. */
function callbacks(seen: Seen) {
  const record = (request: { context: object }) => {
    const copy = JSON.parse(JSON.stringify(request)) as Record<string, any>;
    // @azure/web-pubsub-express's context has an enumerable `signature`; ours hides it from serialisation.
    // @azure/web-pubsub-express never fills `subprotocol` in though its type declares it; ours does (both listed in
    // docs/migrating.md).
    delete copy["context"]["signature"];
    delete copy["context"]["subprotocol"];
    seen.push(copy);
  };
  return {
    handleConnect: (req: any, res: any) => {
      record(req);
      const action = req.queries?.["action"]?.[0];
      if (action === "fail401") return res.fail(401, "who are you?");
      if (action === "fail400") return res.fail(400);
      if (action === "fail500") return res.fail(500, "down");
      if (action === "banned")
        return res.failWith({
          mqtt: { code: 138, reason: "banned", userProperties: [{ name: "why", value: "spam" }] },
        });
      if (action === "unavailable311") return res.failWith({ mqtt: { code: 3 } });
      if (action === "notAuthorized311") return res.failWith({ mqtt: { code: 5, reason: "no" } });
      if (action === "quota") return res.failWith({ mqtt: { code: 151 } });
      if (action === "bogus") return res.failWith({ mqtt: { code: 77 } });
      if (action === "failWith") return res.failWith({ code: 401, detail: "generic" });
      if (action === "empty") {
        res.setState("seen", 1);
        return res.success();
      }
      if (action === "mqttProps")
        return res.success({ userId: "m", mqtt: { userProperties: [{ name: "hello", value: "world" }] } });
      res.setState("room", "lobby");
      res.success({ userId: "u1", groups: ["lobby"], roles: ["webpubsub.sendToGroup.lobby"] });
    },
    handleUserEvent: (req: any, res: any) => {
      record(req);
      if (req.context.eventName === "fail") return res.fail(400, "nope");
      if (req.context.eventName === "empty") return res.success();
      if (req.context.eventName === "emptyJson") return res.success(undefined, "json");
      if (req.context.eventName === "emptyText") return res.success(undefined, "text");
      if (req.context.eventName === "emptyState") {
        res.setState("key1", "val1");
        res.setState("key1", "val3");
        res.setState("key2", "");
        return res.success();
      }
      if (req.dataType === "json") return res.success(JSON.stringify({ echo: req.data }), "json");
      if (req.dataType === "text") return res.success(`echo ${req.data}`, "text");
      res.success(req.data, "binary");
    },
    onConnected: (req: any) => void record(req),
    onDisconnected: (req: any) => void record(req),
    onGroupJoined: (req: any) => void record(req),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-assignment */

function app(middleware: express.RequestHandler): express.Express {
  const application = express();
  application.use(middleware);
  return application;
}

let azure: Listening;
let ours: Listening;
let bareAzure: Listening;
let bareOurs: Listening;
const azureSeen: Seen = [];
const oursSeen: Seen = [];

async function serve(application: express.Express): Promise<Listening> {
  return listen(application.listen(0, "127.0.0.1"));
}

beforeAll(async () => {
  // Microsoft's whiteboard sample's configuration: `path: "/eventhandler"` behind `/eventhandler/{event}`.
  const path = "/eventhandler";
  azure = await serve(app(new AzureHandler("chat", { path, ...callbacks(azureSeen) }).getMiddleware()));
  const options: WebPubSubEventHandlerOptions = { path, accessKeys: [KEY], ...(callbacks(oursSeen) as object) };
  ours = await serve(app(new WebPubSubEventHandler("chat", options).getMiddleware()));
  // No callbacks at all: how unhandled events are answered.
  bareAzure = await serve(app(new AzureHandler("chat", { path }).getMiddleware()));
  bareOurs = await serve(app(new WebPubSubEventHandler("chat", { path, accessKeys: [KEY] }).getMiddleware()));
});
afterAll(async () => {
  await Promise.all([azure, ours, bareAzure, bareOurs].map((s) => s?.close()));
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function answer(base: string, path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${base}${path}`, init);
  const headers: Record<string, string> = {};
  // `date` differs by the clock; `etag` is Express's and only on 200 bodies of both.
  response.headers.forEach((value, name) => {
    if (name !== "date") headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

/** Sends one request to both and expects byte-identical answers (the same signed request for both). */
async function both(init: EventInit, path = "/eventhandler/connect", bare = false): Promise<Answer> {
  const request = eventRequest({ connectionId: "conn-1", ...init });
  const [theirs, mine] = await Promise.all([
    answer((bare ? bareAzure : azure).url, path, request),
    answer((bare ? bareOurs : ours).url, path, request),
  ]);
  expect(mine).toEqual(theirs);
  expect(oursSeen).toEqual(azureSeen);
  return mine;
}

const MQTT_HEADERS = { "ce-physicalConnectionId": "phys-1", "ce-sessionId": "session-1" };

function mqttConnect(protocolVersion: number, action: string): EventInit {
  return {
    type: "azure.webpubsub.sys.connect",
    eventName: "connect",
    subprotocol: "mqtt",
    extraHeaders: MQTT_HEADERS,
    body: JSON.stringify({
      claims: {},
      query: { action: [action] },
      headers: {},
      subprotocols: ["mqtt"],
      clientCertificates: [],
      mqtt: { protocolVersion, username: "user", password: "cGFzcw==", userProperties: [{ name: "a", value: "b" }] },
    }),
  };
}

function connect(action: string): EventInit {
  return {
    type: "azure.webpubsub.sys.connect",
    body: JSON.stringify({
      claims: { sub: ["u"] },
      query: { action: [action] },
      headers: {},
      subprotocols: [],
      clientCertificates: [],
    }),
  };
}

describe("drop-in for @azure/web-pubsub-express 1.1 (Express, same requests, same answers)", () => {
  it("exports the MQTT code enums with @azure/web-pubsub-express's names and values", () => {
    expect(MqttV311ConnectReturnCode).toEqual(AzureV311);
    expect(MqttV500ConnectReasonCode).toEqual(AzureV500);
    expect(MqttDisconnectReasonCode).toEqual(AzureDisconnect);
  });

  it("connect: 200 with JSON and state, 204 for success() without payload, fail codes with their detail", async () => {
    const accepted = await both(connect("accept"));
    expect(accepted.status).toBe(200);
    expect(accepted.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(accepted.headers["ce-connectionstate"]).toBeTruthy();
    const empty = await both(connect("empty"));
    expect(empty).toMatchObject({ status: 204, body: "" });
    expect(empty.headers["content-type"]).toBeUndefined();
    expect((await both(connect("fail401"))).status).toBe(401);
    expect((await both(connect("fail400"))).status).toBe(400);
    expect((await both(connect("fail500"))).body).toBe("down");
    expect((await both(connect("failWith"))).status).toBe(401);
  });

  it.each([4, 5])("MQTT %s connect: fail() answers the status with the matching MQTT code in JSON", async (version) => {
    for (const action of ["fail401", "fail400", "fail500"]) {
      const result = await both(mqttConnect(version, action));
      expect(result.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(JSON.parse(result.body)).toHaveProperty("mqtt.code");
    }
    const notAuthorized = JSON.parse((await both(mqttConnect(version, "fail401"))).body) as unknown;
    expect(notAuthorized).toEqual({ mqtt: { code: version === 4 ? 5 : 135, reason: "who are you?" } });
  });

  it("MQTT connect: failWith() maps the code to its status and passes reason and user properties", async () => {
    const banned = await both(mqttConnect(5, "banned"));
    expect(banned.status).toBe(403);
    expect(JSON.parse(banned.body)).toEqual({
      mqtt: { code: 138, reason: "banned", userProperties: [{ name: "why", value: "spam" }] },
    });
    expect((await both(mqttConnect(4, "unavailable311"))).status).toBe(503);
    expect((await both(mqttConnect(4, "notAuthorized311"))).status).toBe(401);
    expect((await both(mqttConnect(5, "quota"))).status).toBe(429);
    expect((await both(mqttConnect(5, "bogus"))).status).toBe(500);
  });

  it("MQTT connect: the handler sees the packet and the MQTT context; success passes mqtt.userProperties", async () => {
    const result = await both(mqttConnect(5, "mqttProps"));
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      userId: "m",
      mqtt: { userProperties: [{ name: "hello", value: "world" }] },
    });
    const last = oursSeen.at(-1) as { context: Record<string, unknown>; mqtt: unknown };
    expect(last.context).toMatchObject({
      clientProtocol: "mqtt",
      mqtt: { physicalConnectionId: "phys-1", sessionId: "session-1" },
    });
    expect(last.mqtt).toMatchObject({ protocolVersion: 5, username: "user" });
  });

  it("MQTT disconnected: the handler gets the disconnect packet", async () => {
    await both(
      {
        type: "azure.webpubsub.sys.disconnected",
        subprotocol: "mqtt",
        extraHeaders: MQTT_HEADERS,
        body: JSON.stringify({
          reason: "bye",
          mqtt: { initiatedByClient: true, disconnectPacket: { code: 4, userProperties: [] } },
        }),
      },
      "/eventhandler/disconnected",
    );
    expect(oursSeen.at(-1)).toMatchObject({
      reason: "bye",
      mqtt: { initiatedByClient: true, disconnectPacket: { code: 4 } },
    });
  });

  it("user events: json, text and binary replies, fail, connection state", async () => {
    const state = Buffer.from(JSON.stringify({ room: "lobby" })).toString("base64");
    await both(
      { type: "azure.webpubsub.user.message", contentType: "application/json", body: '{"a":1}', state },
      "/eventhandler/message",
    );
    await both(
      { type: "azure.webpubsub.user.message", contentType: "text/plain", body: "hi" },
      "/eventhandler/message",
    );
    await both(
      { type: "azure.webpubsub.user.message", contentType: "application/octet-stream", body: Uint8Array.from([1, 2]) },
      "/eventhandler/message",
    );
    expect(
      (await both({ type: "azure.webpubsub.user.fail", contentType: "text/plain", body: "x" }, "/eventhandler/fail"))
        .status,
    ).toBe(400);
  });

  it("user events: success() without data answers 200 with an empty body, whatever the data type and state", async () => {
    for (const contentType of ["application/json", "text/plain", "application/octet-stream"]) {
      for (const eventName of ["empty", "emptyJson", "emptyText", "emptyState"]) {
        const body = contentType === "application/json" ? "{}" : "x";
        const result = await both(
          { type: `azure.webpubsub.user.${eventName}`, eventName, contentType, body },
          "/eventhandler/message",
        );
        expect(result).toMatchObject({ status: 200, body: "" });
      }
    }
    const plain = await both(
      { type: "azure.webpubsub.user.empty", eventName: "empty", contentType: "text/plain", body: "x" },
      "/eventhandler/message",
    );
    expect(plain.headers["content-type"]).toBe("application/octet-stream");
    const withState = await both(
      { type: "azure.webpubsub.user.emptyState", eventName: "emptyState", contentType: "text/plain", body: "x" },
      "/eventhandler/message",
    );
    const state = JSON.parse(
      Buffer.from(withState.headers["ce-connectionstate"]!, "base64").toString("utf8"),
    ) as unknown;
    expect(state).toEqual({ key1: "val3", key2: "" });
  });

  it("non-blocking events are answered 200 and delivered with their body", async () => {
    await both({ type: "azure.webpubsub.sys.connected", body: "{}" }, "/eventhandler/connected");
    await both({ type: "azure.webpubsub.gp.joined", body: JSON.stringify({ group: "g" }) }, "/eventhandler/joined");
  });

  it("events nobody handles: 200 with no body (204 for an MQTT connect), the body never read", async () => {
    expect((await both(connect("x"), "/eventhandler/connect", true)).status).toBe(200);
    expect((await both(mqttConnect(5, "x"), "/eventhandler/connect", true)).status).toBe(204);
    const user = await both(
      { type: "azure.webpubsub.user.message", contentType: "application/json", body: "" },
      "/eventhandler/message",
      true,
    );
    expect(user).toMatchObject({ status: 200, body: "" });
    for (const type of [
      "azure.webpubsub.sys.connected",
      "azure.webpubsub.sys.disconnected",
      "azure.webpubsub.gp.left",
    ]) {
      expect((await both({ type, body: "" }, "/eventhandler/x", true)).status).toBe(200);
    }
  });

  it("serves the path and everything under it, ignoring case and a trailing slash, and nothing else", async () => {
    for (const path of [
      "/eventhandler",
      "/eventhandler/",
      "/EventHandler/connect",
      "/eventhandler/connect?x=1",
      "/eventhandler/a/b",
    ]) {
      expect((await both(connect("accept"), path)).status).toBe(200);
    }
    for (const path of ["/eventhandlers", "/eventhandlerconnect", "/", "/other/eventhandler"]) {
      expect((await both(connect("accept"), path)).status).toBe(404);
    }
  });

  it("reads path back as Microsoft's package normalises it: lower case, with a trailing slash", () => {
    for (const [hub, path] of [
      ["hub", undefined],
      ["Chat", undefined],
      ["hub", "/custom"],
      ["hub", "/custom/"],
      ["hub", "/Custom/Events"],
    ] as const) {
      const options = path === undefined ? {} : { path };
      const theirs = new AzureHandler(hub, options).path;
      expect(new WebPubSubEventHandler(hub, { ...options, verifySignature: false }).path).toBe(theirs);
    }
    expect(new WebPubSubEventHandler("hub", { path: "/custom", verifySignature: false }).path).toBe("/custom/");
  });

  it("rejects an allowedEndpoints entry that is not a URL at construction, with the same kind of error", () => {
    const thrown = (make: () => unknown): unknown => {
      try {
        make();
      } catch (error) {
        return error;
      }
      throw new Error("did not throw");
    };
    for (const bad of ["b.com", "https://", "not a url", "http://exa mple.com"]) {
      const theirs = thrown(() => new AzureHandler("hub", { allowedEndpoints: [bad] })) as TypeError & {
        code: string;
      };
      const mine = thrown(
        () =>
          new WebPubSubEventHandler("hub", { allowedEndpoints: ["https://ok.example", bad], verifySignature: false }),
      ) as TypeError & { code: string };
      expect(mine).toBeInstanceOf(TypeError);
      expect(theirs).toBeInstanceOf(TypeError);
      expect(mine.code).toBe(theirs.code);
      expect(mine.message.startsWith("Invalid URL")).toBe(true);
      expect(theirs.message.startsWith("Invalid URL")).toBe(true);
      expect(mine.message).toContain(JSON.stringify(bad));
    }
    for (const good of ["https://contoso.webpubsub.azure.com", "http://localhost:8080/path"]) {
      expect(() => new AzureHandler("hub", { allowedEndpoints: [good] })).not.toThrow();
      expect(
        () => new WebPubSubEventHandler("hub", { allowedEndpoints: [good], verifySignature: false }),
      ).not.toThrow();
    }
  });

  it("passes other hubs and unknown event types on to the next route", async () => {
    expect((await both({ ...connect("accept"), hub: "other" })).status).toBe(404);
    expect((await both({ type: "azure.webpubsub.sys.future" })).status).toBe(404);
  });
});
