import { describe, expect, it } from "vitest";
import { newConnectionId } from "../../../src/emulator/state/ids";

describe("connection ids", () => {
  it("are 22 base64url characters, never repeated across pool refills", () => {
    const ids = Array.from({ length: 5000 }, () => newConnectionId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("use all 64 characters in every position, about equally often", () => {
    const n = 6400;
    const counts = Array.from({ length: 22 }, () => new Map<string, number>());
    for (let i = 0; i < n; i++) {
      const id = newConnectionId();
      for (let p = 0; p < 22; p++) counts[p]!.set(id[p]!, (counts[p]!.get(id[p]!) ?? 0) + 1);
    }
    for (const position of counts) {
      expect(position.size).toBe(64);
      // 100 expected per character; a biased generator (e.g. only the first 16 letters at the end of a
      // 16-byte base64 id) lands far outside this band.
      for (const count of position.values()) expect(count).toBeGreaterThan(40);
    }
  });
});
