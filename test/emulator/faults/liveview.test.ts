// The live view's Faults panel routes: list, add (a preset or any rule; a bad one is a 400 naming the field),
// remove; changes need the x-liveview header; the page ships the panel; injected faults reach the feed summary.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { summarise } from "../../../src/emulator/liveview/summary";
import { WebPubSubServiceClient } from "../../../src/index";

let emulator: Emulator;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, ui: true });
  token = new URL(emulator.liveViewUrl as string).searchParams.get("token") as string;
});
afterAll(() => emulator.close());

function api(method: string, path: string, body?: unknown, headers: Record<string, string> = { "x-liveview": "1" }) {
  return fetch(`${emulator.endpoint}/ui/api/faults${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("live view Faults panel", () => {
  it("adds a preset, lists it, applies it, removes it", async () => {
    const added = await api("POST", "", {
      name: "throttle REST 30 s",
      kind: "rest",
      status: 429,
      retryAfterSeconds: 5,
      durationMs: 30_000,
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    const listed = (await (await api("GET", "")).json()) as { faults: { id: string; source: string }[] };
    expect(listed.faults).toEqual([expect.objectContaining({ id, source: "liveview" })]);
    expect(emulator.faults.list().map((f) => f.id)).toEqual([id]);
    const client = new WebPubSubServiceClient(emulator.connectionString, "lv", { retryOptions: { maxRetries: 0 } });
    await expect(client.sendToAll("x")).rejects.toMatchObject({ statusCode: 429, retryAfterInMs: 5000 });
    expect((await api("DELETE", `/${id}`)).status).toBe(200);
    expect((await api("DELETE", `/${id}`)).status).toBe(404);
    await client.sendToAll("x");
    expect(emulator.faults.list()).toEqual([]);
  });

  it("refuses a bad rule naming the field, a change without x-liveview, and strangers", async () => {
    const bad = await api("POST", "", { kind: "refuse", durationMs: -5 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: "rule.durationMs" });
    expect((await api("POST", "", { kind: "refuse" }, {})).status).toBe(403);
    const stranger = await fetch(`${emulator.endpoint}/ui/api/faults`);
    expect(stranger.status).toBe(401);
    expect(emulator.faults.list()).toEqual([]);
  });

  it("the page has the panel and its script", async () => {
    const page = await (
      await fetch(`${emulator.endpoint}/ui/`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(page).toContain('id="fault-throttle"');
    expect(page).toContain("/ui/assets/faults.js");
    const script = await fetch(`${emulator.endpoint}/ui/assets/faults.js`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("/ui/api/faults");
  });

  it("an injected fault reaches the feed marked as injected", async () => {
    const seen: unknown[] = [];
    const stop = emulator.watch((e) => e.kind === "fault" && seen.push(summarise(e, 1, 0)));
    using _ = emulator.faults.add({ kind: "rest", hub: "feed", status: 503, name: "outage" });
    const client = new WebPubSubServiceClient(emulator.connectionString, "feed", { retryOptions: { maxRetries: 0 } });
    await expect(client.sendToAll("x")).rejects.toMatchObject({ statusCode: 503 });
    stop();
    expect(seen).toEqual([
      expect.objectContaining({ kind: "fault", injected: true, fault: "rest", name: "outage", hub: "feed" }),
    ]);
    expect((seen[0] as { detail: string }).detail).toMatch(/^POST \/api\/hubs\/feed\/:send → 503$/);
  });
});
