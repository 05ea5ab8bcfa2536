// The emulator remembers tokens it has verified and client URLs it has admitted (many clients share one URL),
// but never past their expiry, and never for another emulator: the URL's path and query are the same there.
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { TestSocket, refusedStatus } from "../../helpers/ws";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, accessKey: key });
});
afterAll(() => emulator.close());
afterEach(() => vi.useRealTimers());

async function clientUrl(expiresInSeconds: number): Promise<string> {
  const aud = `http://127.0.0.1:${emulator.port}/client/hubs/cache`;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(key));
  return `ws://127.0.0.1:${emulator.port}/client/hubs/cache?access_token=${token}`;
}

describe("verified-token cache", () => {
  it("the same URL connects many times, and is refused once its token has expired", async () => {
    const url = await clientUrl(60);
    for (let i = 0; i < 3; i++) {
      const socket = new TestSocket(url);
      await socket.opened;
      socket.close();
    }
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 120_000 });
    expect(await refusedStatus(url)).toBe(401);
  });

  it("a token one character off is not taken for a cached one", async () => {
    const url = await clientUrl(60);
    const socket = new TestSocket(url);
    await socket.opened;
    socket.close();
    const tampered = url.slice(0, -2) + (url.at(-2) === "A" ? "B" : "A") + url.at(-1);
    expect(await refusedStatus(tampered)).toBe(401);
  });

  it("a client URL admitted by one emulator is not taken as admitted by another with the same key", async () => {
    const url = await clientUrl(60);
    const socket = new TestSocket(url);
    await socket.opened;
    socket.close();
    // The same path and query (the token names the first emulator's origin) at a second emulator.
    const other = await startEmulator({ port: 0, accessKey: key });
    try {
      const elsewhere = url.replace(`:${emulator.port}/`, `:${other.port}/`);
      expect(await refusedStatus(elsewhere)).toBe(401);
    } finally {
      await other.close();
    }
  });
});
