import { createHmac } from "node:crypto";
import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors";
import { mintClientAccessToken, parseConnectionString, verifyEventSignature } from "../../src/token";

const KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const secret = new TextEncoder().encode(KEY);

describe("mintClientAccessToken", () => {
  it("mints a token jose verifies, with the service's audience and URL", async () => {
    const result = await mintClientAccessToken({
      endpoint: "https://contoso.webpubsub.azure.com",
      hub: "chat",
      accessKey: KEY,
      userId: "alice",
      roles: ["webpubsub.joinLeaveGroup.room1", "webpubsub.sendToGroup"],
      groups: ["room1"],
    });
    const { payload, protectedHeader } = await jwtVerify(result.token, secret, {
      audience: "https://contoso.webpubsub.azure.com/client/hubs/chat",
      algorithms: ["HS256"],
    });
    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload.sub).toBe("alice");
    expect(payload["role"]).toEqual(["webpubsub.joinLeaveGroup.room1", "webpubsub.sendToGroup"]);
    expect(payload["webpubsub.group"]).toEqual(["room1"]);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(result.baseUrl).toBe("wss://contoso.webpubsub.azure.com/client/hubs/chat");
    expect(result.url).toBe(`${result.baseUrl}?access_token=${result.token}`);
    expect(result.expiresOn.getTime()).toBe(payload.exp! * 1000);
  });

  it("omits sub, role and webpubsub.group when not given; http becomes ws and the port is kept", async () => {
    const result = await mintClientAccessToken({ endpoint: "http://localhost:8080", hub: "h", accessKey: KEY });
    const { payload } = await jwtVerify(result.token, secret, { audience: "http://localhost:8080/client/hubs/h" });
    expect(Object.keys(payload).sort()).toEqual(["aud", "exp", "iat"]);
    expect(result.baseUrl).toBe("ws://localhost:8080/client/hubs/h");
  });

  it.each([
    ["mqtt", "clients/mqtt/hubs/chat"],
    ["socketio", "clients/socketio/hubs/chat"],
    ["default", "client/hubs/chat"],
  ] as const)("uses the %s client path", async (clientProtocol, path) => {
    const result = await mintClientAccessToken({
      endpoint: "https://x.example/",
      hub: "chat",
      accessKey: KEY,
      clientProtocol,
    });
    expect(result.baseUrl).toBe(`wss://x.example/${path}`);
    await jwtVerify(result.token, secret, { audience: `https://x.example/${path}` });
  });

  it.each([
    ["wss://X.example/base/", "wss://x.example/base/client/hubs/chat", "https://x.example/base/client/hubs/chat"],
    ["ws://localhost:8080", "ws://localhost:8080/client/hubs/chat", "http://localhost:8080/client/hubs/chat"],
    ["x.example", "wss://x.example/client/hubs/chat", "https://x.example/client/hubs/chat"],
  ])("reads the endpoint %s as the same http(s) endpoint", async (endpoint, baseUrl, audience) => {
    const result = await mintClientAccessToken({ endpoint, hub: "chat", accessKey: KEY });
    expect(result.baseUrl).toBe(baseUrl);
    await jwtVerify(result.token, secret, { audience });
  });

  it("honours expirationTimeInMinutes", async () => {
    const result = await mintClientAccessToken({
      endpoint: "https://x.example",
      hub: "chat",
      accessKey: KEY,
      expirationTimeInMinutes: 5,
    });
    const payload = decodeJwt(result.token);
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it("matches @azure/web-pubsub's getClientAccessToken claims, header and URLs", async () => {
    const cases = [
      {
        endpoint: "https://contoso.webpubsub.azure.com",
        options: { userId: "u1", roles: ["webpubsub.sendToGroup.g"], groups: ["g", "h"] },
      },
      { endpoint: "http://localhost:8080", options: {} },
      { endpoint: "http://localhost:8080", options: { roles: [], groups: [], expirationTimeInMinutes: 90 } },
      { endpoint: "https://contoso.webpubsub.azure.com", options: { userId: "u2", clientProtocol: "mqtt" as const } },
      { endpoint: "https://contoso.webpubsub.azure.com", options: { clientProtocol: "socketio" as const } },
    ];
    for (const { endpoint, options } of cases) {
      const azure = await new AzureClient(
        `Endpoint=${endpoint};AccessKey=${KEY};Version=1.0;`,
        "chat",
      ).getClientAccessToken(options);
      const ours = await mintClientAccessToken({ endpoint, hub: "chat", accessKey: KEY, ...options });
      const a = decodeJwt(azure.token);
      const b = decodeJwt(ours.token);
      // Minted within the same second or two; compare lifetimes rather than instants.
      expect(Math.abs(a.iat! - b.iat!)).toBeLessThanOrEqual(2);
      expect(b.exp! - b.iat!).toBe(a.exp! - a.iat!);
      const strip = ({ iat: _i, exp: _e, ...rest }: Record<string, unknown>) => rest;
      expect(strip(b)).toEqual(strip(a));
      expect(decodeProtectedHeader(ours.token)).toEqual(decodeProtectedHeader(azure.token));
      expect(ours.baseUrl).toBe(azure.baseUrl);
      expect(ours.url.split("?")[0]).toBe(azure.url.split("?")[0]);
      await jwtVerify(azure.token, secret, { audience: b.aud as string });
    }
  });

  it.each([
    [{ expirationTimeInMinutes: 0 }, "expirationTimeInMinutes"],
    [{ expirationTimeInMinutes: -1 }, "expirationTimeInMinutes"],
    [{ expirationTimeInMinutes: Number.POSITIVE_INFINITY }, "expirationTimeInMinutes"],
    [{ expirationTimeInMinutes: Number.NaN }, "expirationTimeInMinutes"],
    [{ roles: ["ok", 42] }, "roles"],
    [{ roles: "webpubsub.sendToGroup" }, "roles"],
    [{ groups: [null] }, "groups"],
    [{ userId: 7 }, "userId"],
    [{ clientProtocol: "grpc" }, "clientProtocol"],
    [{ hub: "" }, "hub"],
    [{ accessKey: "" }, "accessKey"],
    [{ endpoint: "ftp://x" }, "endpoint"],
    [{ endpoint: `https://x.example/?sig=${KEY}` }, "endpoint"],
    [{ endpoint: `x.example#${KEY}` }, "endpoint"],
    [{ endpoint: `https://user:${KEY}@x.example` }, "endpoint"],
    [{ endpoint: "https//x.example" }, "endpoint"],
  ])("rejects %o naming the argument and never echoing the key", async (override, argument) => {
    const options = { endpoint: "https://x.example", hub: "chat", accessKey: KEY, ...override } as never;
    const error = await mintClientAccessToken(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).argument).toBe(argument);
    expect((error as ValidationError).errorCode).toBe("ERR_VALIDATION");
    expect(String((error as Error).message)).not.toContain(KEY);
  });
});

describe("verifyEventSignature", () => {
  const sign = (key: string, connectionId: string) =>
    `sha256=${createHmac("sha256", key).update(connectionId).digest("hex")}`;

  it("accepts a signature made with any configured key, in any position", async () => {
    const other = "another-key";
    expect(await verifyEventSignature("conn1", sign(KEY, "conn1"), [KEY])).toBe(true);
    expect(await verifyEventSignature("conn1", `${sign(other, "conn1")},${sign(KEY, "conn1")}`, [KEY])).toBe(true);
    expect(await verifyEventSignature("conn1", sign(other, "conn1"), [KEY, other])).toBe(true);
    expect(
      await verifyEventSignature("conn1", sign(KEY, "conn1").toUpperCase().replace("SHA256", "sha256"), [KEY]),
    ).toBe(true);
  });

  it("rejects forged, mismatched, empty and missing signatures", async () => {
    expect(await verifyEventSignature("conn1", sign("wrong", "conn1"), [KEY])).toBe(false);
    expect(await verifyEventSignature("conn2", sign(KEY, "conn1"), [KEY])).toBe(false);
    expect(await verifyEventSignature("conn1", sign(KEY, "conn1").replace("sha256=", ""), [KEY])).toBe(false);
    expect(await verifyEventSignature("conn1", "", [KEY])).toBe(false);
    expect(await verifyEventSignature("conn1", null, [KEY])).toBe(false);
    expect(await verifyEventSignature(undefined, sign(KEY, "conn1"), [KEY])).toBe(false);
    expect(await verifyEventSignature("conn1", sign(KEY, "conn1"), [])).toBe(false);
  });
});

describe("parseConnectionString", () => {
  it("parses case-insensitive keys, trims, applies Port and defaults to https", () => {
    expect(
      parseConnectionString(` endpoint = http://localhost ; accesskey = ${KEY} ; Port=8080; Version=1.0;`),
    ).toEqual({
      endpoint: "http://localhost:8080",
      accessKey: KEY,
      version: "1.0",
    });
    expect(parseConnectionString(`Endpoint=contoso.webpubsub.azure.com;AccessKey=${KEY}`).endpoint).toBe(
      "https://contoso.webpubsub.azure.com",
    );
  });

  it("names what is missing and never echoes the key", () => {
    expect(() => parseConnectionString(`AccessKey=${KEY}`)).toThrow(/no Endpoint/);
    const error = (() => {
      try {
        parseConnectionString(`Endpoint=https://x;AccessKey=${KEY};Port=99999`);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/Port/);
    expect(error?.message).not.toContain(KEY);
    expect(() => parseConnectionString("Endpoint=https://x")).toThrow(/no AccessKey/);
  });
});
