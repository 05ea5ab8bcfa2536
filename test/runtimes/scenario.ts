// The one end-to-end scenario, run inside a real runtime against the emulator on loopback (issue #11 item 3).
// The vitest process hosts the emulator and a server that throttles once; the runtime hosts the SDK and the
// event handler. What the runtime observed comes back as JSON and is checked here (JWTs by verifying them).
import { createHmac } from "node:crypto";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { startRecordingServer } from "../helpers/recordingServer";
import { makeSandbox, type Runtime, type RuntimeHost } from "./runtimes";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const hub = "edge";

export function scenarioSuite(runtime: Runtime): void {
  describe.runIf(runtime.binary.run)(`the SDK inside ${runtime.name}`, () => {
    let sandbox: ReturnType<typeof makeSandbox>;
    let emulator: Emulator;
    let host: RuntimeHost;
    let throttler: Awaited<ReturnType<typeof startRecordingServer>>;

    beforeAll(async () => {
      sandbox = makeSandbox();
      let calls = 0;
      throttler = await startRecordingServer((_request, res) => {
        // Throttled once, the way the service says it: 429 with Retry-After in seconds.
        if (calls++ === 0)
          res
            .writeHead(429, { "retry-after": "1", "content-type": "application/json" })
            .end('{"code":"TooManyRequests"}');
        else res.writeHead(202).end();
      });
      emulator = await startEmulator({ port: 0, accessKey: key });
      host = await runtime.start(sandbox.dir);
      emulator.setHub(hub, { url: `${host.origin}/eventhandler/`, systemEvents: [], userEvents: "*" });
    }, 60_000);
    afterAll(async () => {
      await host?.stop();
      await emulator?.close();
      await throttler?.close();
      sandbox?.remove();
    });

    it("mints, connects, sends, manages groups, lists, retries, types errors and handles events", async () => {
      const response = await fetch(`${host.origin}/run`, {
        method: "POST",
        body: JSON.stringify({
          connectionString: emulator.connectionString,
          hub,
          accessKey: key,
          throttledEndpoint: throttler.url,
        }),
      });
      const { ok, result, error } = (await response.json()) as {
        ok: boolean;
        result: Record<string, unknown> & { throttled: { logged: unknown; waitedMs: number } };
        error?: string;
      };
      expect(error).toBeUndefined();
      expect(ok).toBe(true);

      // The client token verifies with the key and carries the claims asked for.
      const { payload } = await jwtVerify(result["clientToken"] as string, new TextEncoder().encode(key), {
        audience: `${emulator.endpoint.replace(/\/$/, "")}/client/hubs/${hub}`,
      });
      expect(payload).toMatchObject({ sub: "rt-user", role: ["webpubsub.joinLeaveGroup"] });

      expect(result["exists"]).toEqual({
        connection: true,
        user: true,
        group: true,
        otherGroup: false,
        permission: true,
        permissionAfterRevoke: false,
        healthy: true,
        byUser: true,
        byUserAfterRemove: false,
        byFilter: true,
        byFilterAfterRemove: false,
      });
      expect(result["listed"]).toEqual([result["connectionId"]]);
      expect(result["toAll"]).toEqual({ to: "all" });
      expect(result["toGroup"]).toBe("to the group");
      expect(result["toUser"]).toEqual({ dataType: "binary", data: "AQID" });
      expect(result["toConnection"]).toBe("just you");
      expect(result["groupAfterLeave"]).toBe(false);
      expect(result["groupAfterLeaveAll"]).toBe(false);
      // closeUserConnections closed the runtime's socket, normally.
      expect(result["closed"], "close code").toBe(1000);
      expect(result["connectionAfterClose"]).toBe(false);
      expect(result["restError"]).toMatchObject({
        isRestError: true,
        name: "RestError",
        statusCode: 404,
        errorCode: "ERR_REST",
      });
      expect(result["validation"]).toEqual({ isValidationError: true, argument: "options.messageTtlSeconds" });
      expect(result["aborted"]).toBe(true);

      // Throttled once, retried after the server's Retry-After (1 s), both attempts logged.
      expect(result["throttled"].logged).toEqual([429, 202]);
      expect(result["throttled"].waitedMs).toBeGreaterThanOrEqual(950);
      expect(throttler.requests).toHaveLength(2);
      for (const request of throttler.requests) {
        // The REST JWT, signed in the runtime, verifies with the key; its audience is the URL called.
        const bearer = String(request.headers.authorization).replace(/^Bearer /, "");
        const verified = await jwtVerify(bearer, new TextEncoder().encode(key), {
          audience: `${throttler.url.replace(/\/$/, "")}${request.url}`,
        });
        expect(verified.payload.exp! - verified.payload.iat!).toBe(3600);
        expect(request.path).toBe(`/api/hubs/${hub}/:send`);
        expect(JSON.parse(request.body.toString())).toEqual({ retried: true });
      }

      // The client's event went up to the handler running in the runtime, and its reply came back.
      expect(result["echo"]).toMatch(/ got ping$/);
      expect(String(result["echo"]).replace(/ got ping$/, "")).toMatch(runtime.userAgent);
    }, 60_000);

    it("the handler in the runtime refuses a forged event and accepts a signed one", async () => {
      const event = (signature: string) =>
        fetch(`${host.origin}/eventhandler/`, {
          method: "POST",
          headers: {
            "ce-awpsversion": "1.0",
            "ce-specversion": "1.0",
            "ce-type": "azure.webpubsub.user.message",
            "ce-hub": hub,
            "ce-connectionId": "c-forged",
            "ce-eventName": "message",
            "ce-signature": signature,
            "content-type": "text/plain",
          },
          body: "hello",
        });
      const forged = await event(`sha256=${createHmac("sha256", "not-the-key").update("c-forged").digest("hex")}`);
      expect(forged.status).toBe(401);
      const signed = await event(`sha256=${createHmac("sha256", key).update("c-forged").digest("hex")}`);
      expect(signed.status).toBe(200);
      expect(await signed.text()).toMatch(/ got hello$/);
    });
  });
  if (runtime.binary.missingButRequired) {
    it(`${runtime.name} is required here (CI=true): ${runtime.binary.notice}`, () => {
      throw new Error(runtime.binary.notice);
    });
  }
}
