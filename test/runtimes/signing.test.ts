// REST and client tokens: the WebCrypto signer (every runtime but Node) makes the very same JWTs as Node's
// node:crypto fast path, and the REST token cache works with a signer that answers with a promise.
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { signHs256 } from "../../src/internal/hs256";
import { signHs256Web } from "../../src/internal/hs256.web";
import { RestTokenCache } from "../../src/internal/restToken";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const secret = new TextEncoder().encode(key);

describe("WebCrypto HS256", () => {
  it("signs byte-for-byte what node:crypto signs, and jose verifies it", async () => {
    const claims = {
      aud: "https://x.webpubsub.azure.com/api/hubs/h/:send?api-version=2024-12-01",
      iat: 1_700_000_000,
      exp: 4_000_000_000,
      role: ["ü ✓"],
    };
    const web = await signHs256Web(claims, key);
    expect(web).toBe(signHs256(claims, key));
    const { payload } = await jwtVerify(web, secret, { audience: claims.aud });
    expect(payload["role"]).toEqual(["ü ✓"]);
    await expect(jwtVerify(await signHs256Web(claims, "another key"), secret)).rejects.toThrow(/signature/);
  });
});

describe("RestTokenCache with an asynchronous signer", () => {
  it("shares one pending signature, then answers hits synchronously with the string", async () => {
    let signed = 0;
    const cache = new RestTokenCache((claims, k) => {
      signed++;
      return signHs256Web(claims, k);
    });
    const first = cache.get("https://h/api/a", key);
    const concurrent = cache.get("https://h/api/a", key);
    expect(first).toBeInstanceOf(Promise);
    expect(concurrent).toBe(first);
    const token = await first;
    expect(signed).toBe(1);
    expect(cache.get("https://h/api/a", key)).toBe(token);
    const { payload } = await jwtVerify(token, secret, { audience: "https://h/api/a" });
    expect(payload.exp! - payload.iat!).toBe(3600);
    // A new key empties the cache at once.
    await cache.get("https://h/api/a", "rotated");
    expect(signed).toBe(2);
  });

  it("does not keep a failed signature", async () => {
    let fail = true;
    const cache = new RestTokenCache((claims, k) =>
      fail ? Promise.reject(new Error("no crypto")) : signHs256Web(claims, k),
    );
    await expect(cache.get("https://h/api/b", key)).rejects.toThrow("no crypto");
    fail = false;
    await expect(cache.get("https://h/api/b", key)).resolves.toMatch(/^ey/);
  });

  it("on Node signs synchronously (no microtask on the hot path)", () => {
    expect(typeof new RestTokenCache().get("https://h/api/c", key)).toBe("string");
  });
});
