// What the built package loads in a fresh process for import + construct + first send (the serverless cold
// start): @opentelemetry/api only once an app has registered a tracer provider (without one every span is a
// no-op), and undici's Pool from the one pre-bundled file, never through undici's own ~70 files.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingServer } from "../helpers/recordingServer";
import { runNode } from "../helpers/spawn";

const root = resolve(__dirname, "../..");
let server: Awaited<ReturnType<typeof startRecordingServer>>;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());

/** Runs import + construct + sendToAll in a fresh node; returns the CommonJS files from node_modules it loaded. */
async function coldSend(registerProvider: boolean): Promise<string[]> {
  const script = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
${
  registerProvider
    ? `const otel = await import("@opentelemetry/api");
const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
otel.trace.setGlobalTracerProvider(new BasicTracerProvider());`
    : ""
}
const { WebPubSubServiceClient } = await import(${JSON.stringify(pathToFileURL(join(root, "dist", "index.js")).href)});
const client = new WebPubSubServiceClient("Endpoint=${server.url};AccessKey=lazy-loading-key;Version=1.0;", "hub");
await client.sendToAll({ cold: true });
await client.close();
console.log(JSON.stringify(Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/]/.test(file))));
`;
  const { code, stdout, stderr } = await runNode(["--input-type=module", "-e", script], {});
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout.trim().split("\n").pop()!) as string[];
}

describe("a fresh process's first send (built package)", () => {
  it("with @opentelemetry/api installed but no tracer provider: neither it nor undici's files are loaded", async () => {
    const before = server.requests.length;
    const loaded = await coldSend(false);
    expect(loaded.filter((file) => /@opentelemetry|[\\/]undici[\\/]/.test(file))).toEqual([]);
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)!.headers["traceparent"]).toBeUndefined();
  }, 60_000);

  it("with a tracer provider registered: the send is traced (W3C traceparent), undici still from the bundle", async () => {
    const before = server.requests.length;
    const loaded = await coldSend(true);
    expect(loaded.filter((file) => /[\\/]undici[\\/]/.test(file))).toEqual([]);
    expect(loaded.some((file) => /@opentelemetry[\\/]api[\\/]/.test(file))).toBe(true);
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)!.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  }, 60_000);
});
