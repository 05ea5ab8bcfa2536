// The handshake reads a client's path and query without parsing the whole URL when it can. Whatever the
// short way reads must be what WHATWG URL parsing (what the handshake used before) reads.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../../src/index";
import { RequestTarget } from "../../../../src/emulator/protocols/websocket/target";
import { TestSocket, refusedStatus } from "../../../helpers/ws";

const names = ["access_token", "access%5Ftoken", "acc+ess_token", "hub", "awps_connection_id", "x", ""];
// What can be in a request line's target (no spaces, tabs or line breaks: the HTTP parser splits on them).
const pieces = ["a", "b", "%41", "%", "%zz", "+", "=", "==", "eyJ.x-_", "é", "?", "/", "#"];
const pair = fc.tuple(fc.constantFrom(...names), fc.option(fc.array(fc.constantFrom(...pieces), { maxLength: 4 })));
const query = fc
  .array(pair, { maxLength: 5 })
  .map((pairs) => pairs.map(([name, value]) => (value === null ? name : `${name}=${value.join("")}`)).join("&"));
const paths = fc.constantFrom(
  "/client/hubs/chat",
  "/client/hubs/a.b",
  "/client/./hubs/chat",
  "/client/hubs/%63hat",
  "/client",
);

describe("RequestTarget", () => {
  it("reads every query parameter as URLSearchParams does", () => {
    fc.assert(
      fc.property(paths, query, fc.constantFrom(...names.slice(0, 5)), (path, q, name) => {
        const raw = `${path}?${q}`;
        const url = new URL(raw, "http://localhost");
        const target = new RequestTarget(raw);
        expect(target.get(name)).toBe(url.searchParams.get(name));
        expect(target.pathname).toBe(url.pathname);
        expect([...target.searchParams]).toEqual([...url.searchParams]);
      }),
      { numRuns: 500 },
    );
  });

  it("parses paths with dot segments or percent-escapes as URL does", () => {
    for (const raw of [
      "/client/hubs/x/../chat?hub=1",
      "/client/hubs/%63hat",
      "/client/hubs/./chat/",
      "\\client\\hubs\\chat",
    ]) {
      expect(new RequestTarget(raw).pathname).toBe(new URL(raw, "http://localhost").pathname);
    }
  });
});

describe("a client's request target at the emulator", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(() => emulator.close());

  async function token(): Promise<string> {
    const client = new WebPubSubServiceClient(emulator.connectionString, "chat", { allowInsecureConnection: true });
    const { token } = await client.getClientAccessToken();
    return token;
  }

  it("takes an access_token whose name is percent-encoded, and a path with a dot segment", async () => {
    const base = `ws://127.0.0.1:${emulator.port}`;
    // Both name the hub's client endpoint, which the token's audience names.
    for (const url of [
      `${base}/client/hubs/chat?access%5Ftoken=${await token()}`,
      `${base}/client/hubs/x/../chat?access_token=${await token()}`,
    ]) {
      const socket = new TestSocket(url);
      await socket.opened;
      socket.close();
    }
  });

  it("refuses a token named in a later, different parameter", async () => {
    const status = await refusedStatus(
      `ws://127.0.0.1:${emulator.port}/client/hubs/chat?access_token_x=${await token()}`,
    );
    expect(status).toBe(401);
  });
});
