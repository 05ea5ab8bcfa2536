import { createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const KEY = "edge-handler-key";

describe("bundling", () => {
  it("webpubsub/handler bundles for a neutral platform and handles a signed event there", async () => {
    const result = await build({
      entryPoints: [src("handler/index.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\(/);

    const mod = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
    )) as typeof import("../../src/handler");
    const handler = new mod.WebPubSubEventHandler("chat", {
      accessKeys: [KEY],
      handleUserEvent: (req, res) => res.success(`edge: ${req.data as string}`, "text"),
    });
    const request = new Request("https://edge.example/api/webpubsub/hubs/chat/", {
      method: "POST",
      headers: {
        "ce-awpsversion": "1.0",
        "ce-type": "azure.webpubsub.user.message",
        "ce-hub": "chat",
        "ce-connectionId": "e1",
        "ce-eventName": "message",
        "ce-signature": `sha256=${createHmac("sha256", KEY).update("e1").digest("hex")}`,
        "content-type": "text/plain",
      },
      body: "hi",
    });
    const response = await handler.handleRequest(request);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("edge: hi");
  });

  it.each([
    ["express/index.ts", "express"],
    ["fastify/index.ts", "fastify"],
  ])("%s never loads %s at runtime", async (entry, framework) => {
    const result = await build({
      entryPoints: [src(entry)],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      packages: "external",
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(new RegExp(`from\\s*["']${framework}["']`));
    expect(code).not.toMatch(new RegExp(`import\\(["']${framework}["']\\)`));
    expect(code).not.toMatch(new RegExp(`require\\(["']${framework}["']\\)`));
  });
});
