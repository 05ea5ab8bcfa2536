import { describe, expect, it } from "vitest";
import { parseConnectionString, ValidationError, WebPubSubServiceClient } from "../../src/index";

const key = "SECRET-KEY-abcdefghijklmnop";

describe("parseConnectionString", () => {
  it.each([
    [`Endpoint=https://x.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, "https://x.webpubsub.azure.com"],
    [`endpoint=https://x.webpubsub.azure.com;accesskey=${key};version=1.0`, "https://x.webpubsub.azure.com"],
    [
      `  Endpoint = https://x.webpubsub.azure.com/ ; AccessKey = ${key} ; Version=1.0;`,
      "https://x.webpubsub.azure.com",
    ],
    [`Endpoint=HTTPS://X.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, "https://x.webpubsub.azure.com"],
    [`Endpoint=x.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, "https://x.webpubsub.azure.com"],
    [`Endpoint=http://localhost;Port=8080;AccessKey=${key};Version=1.0;`, "http://localhost:8080"],
    [`Endpoint=http://localhost:1234;AccessKey=${key};Port=8080;Version=1.0;`, "http://localhost:8080"],
    [
      `Endpoint=https://x.webpubsub.azure.com;AccessKey=${key}=with=equals;Version=1.0;`,
      "https://x.webpubsub.azure.com",
    ],
    [`AccessKey=${key};Endpoint=http://127.0.0.1:8080;Version=1.0;`, "http://127.0.0.1:8080"],
  ])("%s → %s", (cs, endpoint) => {
    const parsed = parseConnectionString(cs);
    expect(parsed.endpoint).toBe(endpoint);
    expect(parsed.accessKey.startsWith(key)).toBe(true);
  });

  it.each(["http://x//", "http://x/", "http://x/a//", "HTTP://X:8080/", "x.webpubsub.azure.com/", "localhost:8080"])(
    "%s parses to a fixed point",
    (endpoint) => {
      const once = parseConnectionString(`Endpoint=${endpoint};AccessKey=${key};`).endpoint;
      expect(parseConnectionString(`Endpoint=${once};AccessKey=${key};`).endpoint).toBe(once);
      expect(once.endsWith("/")).toBe(false);
    },
  );

  it("keeps everything after the first '=' in the key", () => {
    expect(parseConnectionString(`Endpoint=https://a;AccessKey=ab==;Version=1.0`).accessKey).toBe("ab==");
  });

  it.each([
    ["", "non-empty"],
    [`AccessKey=${key};Version=1.0;`, "no Endpoint"],
    ["Endpoint=https://x.webpubsub.azure.com;Version=1.0;", "no AccessKey"],
    [`Endpoint=https://x;AccessKey=${key};Port=abc;`, "Port is not a port number: it must be an integer 1–65535"],
    [`Endpoint=https://x;AccessKey=${key};Port=70000;`, "Port is not a port number"],
    [`Endpoint=https://x;AccessKey=${key};Port=-1;`, "Port is not a port number"],
    [`Endpoint=http//host;AccessKey=${key};`, "Endpoint has a malformed scheme"],
    [`Endpoint=https:/host;AccessKey=${key};`, "Endpoint has a malformed scheme"],
    [`Endpoint=http:host;AccessKey=${key};Port=8;`, "Endpoint has a malformed scheme"],
    // A key pasted into the wrong field is named by field, never quoted.
    [`Endpoint=https://x;AccessKey=${key};Port=${key};`, "Port is not a port number"],
    [`Endpoint=${key}:x;AccessKey=${key};`, "Endpoint"],
    [`Endpoint=ftp://${key};AccessKey=${key};`, "Endpoint must use http:// or https://"],
    [`Endpoint=ftp://x;AccessKey=${key};`, "http:// or https://"],
    [`Endpoint=https://;AccessKey=${key};`, "not a valid URL"],
    [`Endpoint=https://x;${key};`, "key=value"],
  ])("rejects %j (%s) without echoing the key", (cs, fragment) => {
    let error: unknown;
    try {
      parseConnectionString(cs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.message).toContain(fragment);
    expect(e.argument).toBe("connectionString");
    expect(e.message).not.toContain(key);
    expect(String(e.stack)).not.toContain(key);
    expect(JSON.stringify(e)).not.toContain(key);
  });

  it.each([
    [`https://user:${key}@x.webpubsub.azure.com`, "must not contain credentials"],
    [`https://x.webpubsub.azure.com/?sig=${key}`, "must not contain credentials, a query"],
    [`x.webpubsub.azure.com#${key}`, "must not contain credentials, a query or a fragment"],
    [`wss://x.webpubsub.azure.com`, "must use http:// or https://"],
  ])("an endpoint %j is refused (%s) without echoing what may be a secret", (endpoint, fragment) => {
    const credential = { key };
    for (const make of [
      () => new WebPubSubServiceClient(endpoint, credential, "hub"),
      () => new WebPubSubServiceClient("https://x", credential, "hub", { reverseProxyEndpoint: endpoint }),
    ]) {
      const error = (() => {
        try {
          make();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain(fragment);
      expect((error as ValidationError).message).not.toContain(key);
    }
  });

  it("an invalid hub name constructs (as with @azure/web-pubsub) and fails the first call", async () => {
    const cs = `Endpoint=http://localhost:8080;AccessKey=${key};Version=1.0;`;
    await expect(new WebPubSubServiceClient(cs, "1bad").sendToAll("x")).rejects.toThrow(
      /hubName "1bad" is not a valid hub name/,
    );
    await expect(new WebPubSubServiceClient(cs, "a".repeat(129)).sendToAll("x")).rejects.toThrow(ValidationError);
    expect(new WebPubSubServiceClient(cs, "Hub_1.x[y]").hubName).toBe("Hub_1.x[y]");
  });
});
