import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../../src/token/index.ts", import.meta.url));
const KEY = "edge-key-0123456789";

// Proves webpubsub/token runs where there is no Node: bundle it as a browser/neutral module (no Node
// built-ins resolvable), check the output has no node: imports, then run the bundle and verify what it mints.
describe.each(["browser", "neutral"] as const)("webpubsub/token bundled for platform %s", (platform) => {
  it("has no node: imports and mints a token jose verifies, and verifies signatures", async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform,
      target: "es2022",
      minify: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/from\s+["'](?:crypto|buffer|util)["']/);

    const mod = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
    )) as typeof import("../../src/token");
    const minted = await mod.mintClientAccessToken({
      endpoint: "https://edge.webpubsub.azure.com",
      hub: "chat",
      accessKey: KEY,
      userId: "edge-user",
      roles: ["webpubsub.sendToGroup"],
    });
    const { payload } = await jwtVerify(minted.token, new TextEncoder().encode(KEY), {
      audience: "https://edge.webpubsub.azure.com/client/hubs/chat",
    });
    expect(payload.sub).toBe("edge-user");

    const { createHmac } = await import("node:crypto");
    const signature = `sha256=${createHmac("sha256", KEY).update("c1").digest("hex")}`;
    expect(await mod.verifyEventSignature("c1", signature, [KEY])).toBe(true);
    expect(await mod.verifyEventSignature("c1", signature, ["other"])).toBe(false);
  });
});
