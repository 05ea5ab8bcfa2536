// Editing the configuration file of a running emulator: a valid edit applies at once without dropping
// connections (whether the editor rewrites the file or replaces it); an invalid one is refused with the
// file, the field and what is allowed, and the previous settings stay in force.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorConfigError, startEmulator, type Emulator } from "../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEventHandler, type EventHandlerServer } from "../../helpers/eventHandler";
import { TestSocket } from "../../helpers/ws";

let dir: string;
let file: string;
let a: EventHandlerServer;
let b: EventHandlerServer;
let emulator: Emulator;
let service: WebPubSubServiceClient;
const lines: string[] = [];

const settings = (url: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    hubs: { chat: { eventHandlers: [{ urlTemplate: `${url}/{event}`, userEventPattern: "*", ...extra }] } },
  });

/** Writes the file the way editors that save atomically do: a new file renamed over the old one. */
async function replaceFile(text: string): Promise<void> {
  const temporary = `${file}.tmp-${Date.now()}`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

async function waitForLine(pattern: RegExp, after: number): Promise<string> {
  await expect.poll(() => lines.slice(after).some((l) => pattern.test(l)), { timeout: 8000 }).toBe(true);
  return lines.slice(after).find((l) => pattern.test(l)) as string;
}

/** Sends a user event and returns which handler answered. */
async function answeredBy(socket: TestSocket, ackId: number): Promise<unknown> {
  socket.send({ type: "event", event: "ping", dataType: "text", data: "x", ackId });
  for (;;) {
    const frame = await socket.nextJson(5000);
    if (frame["type"] === "message") return frame["data"];
  }
}

beforeAll(async () => {
  [a, b] = await Promise.all([startEventHandler("A"), startEventHandler("B")]);
  dir = await mkdtemp(join(tmpdir(), "webpubsub-config-"));
  file = join(dir, "hubs.json");
  await writeFile(file, settings(a.url));
  emulator = await startEmulator({ port: 0, configFile: file, log: (line) => lines.push(line) });
  service = new WebPubSubServiceClient(emulator.connectionString, "chat");
});
afterAll(async () => {
  await service.close();
  await emulator.close();
  await Promise.all([a.close(), b.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe("editing the --config file while clients are connected", () => {
  it("applies valid edits, refuses invalid ones with the file and field, and never drops the connection", async () => {
    const socket = new TestSocket((await service.getClientAccessToken()).url, "json.webpubsub.azure.v1");
    const id = String((await socket.nextJson())["connectionId"]);
    expect(await answeredBy(socket, 1)).toBe("A took ping");

    // An editor that replaces the file.
    let mark = lines.length;
    await replaceFile(settings(b.url));
    await waitForLine(/^config: .*hubs\.json reloaded; connections stay open$/, mark);
    expect(await answeredBy(socket, 2)).toBe("B took ping");

    // An edit in place that breaks a field: refused with the file, the field and what is allowed.
    mark = lines.length;
    await writeFile(file, settings(a.url, { userEventPattern: 42 }));
    const refused = await waitForLine(/previous settings stay in force/, mark);
    expect(refused).toContain(file);
    expect(refused).toContain("hubs.chat.eventHandlers[0].userEventPattern");
    expect(refused).toMatch(/"\*", an event name, or names separated by commas/);
    expect(await answeredBy(socket, 3)).toBe("B took ping");

    // Broken JSON: refused with the line and column.
    mark = lines.length;
    await writeFile(file, '{ "hubs": { "chat": { ] } }');
    expect(await waitForLine(/previous settings stay in force/, mark)).toMatch(
      /not valid JSON: unexpected "]" at line 1, column 23/,
    );
    expect(await answeredBy(socket, 4)).toBe("B took ping");

    // Fixed again: applies.
    mark = lines.length;
    await writeFile(file, settings(a.url));
    await waitForLine(/reloaded/, mark);
    expect(await answeredBy(socket, 5)).toBe("A took ping");

    expect(emulator.connections("chat").map((c) => c.connectionId)).toEqual([id]);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
    socket.close();
  });

  it("reports a deleted file once and keeps the settings; a new file applies", async () => {
    let mark = lines.length;
    await rm(file);
    expect(await waitForLine(/previous settings stay in force/, mark)).toMatch(/hubs\.json: does not exist/);
    mark = lines.length;
    await writeFile(file, settings(b.url));
    await waitForLine(/reloaded/, mark);
    const socket = new TestSocket((await service.getClientAccessToken()).url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    expect(await answeredBy(socket, 1)).toBe("B took ping");
    socket.close();
  });
});

describe("setConfig in-process", () => {
  it("throws for an invalid configuration and keeps the previous one", async () => {
    const socket = new TestSocket((await service.getClientAccessToken()).url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    const before = await answeredBy(socket, 1);
    let error: unknown;
    try {
      emulator.setConfig({
        hubs: { chat: { eventHandlers: [{ urlTemplate: `${a.url}/x`, systemEvents: ["joined"] }] } },
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EmulatorConfigError);
    expect(error).toMatchObject({ source: "setConfig", field: "hubs.chat.eventHandlers[0].systemEvents[0]" });
    expect(await answeredBy(socket, 2)).toBe(before);
    emulator.setConfig({
      hubs: { chat: { eventHandlers: [{ urlTemplate: `${a.url}/{event}`, userEventPattern: "ping" }] } },
    });
    expect(await answeredBy(socket, 3)).toBe("A took ping");
    socket.close();
  });

  it("refuses an invalid file at start, naming it", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ hubs: { chat: { anonymousConnectPolicy: "maybe" } } }));
    await expect(startEmulator({ port: 0, configFile: bad })).rejects.toThrow(
      `${bad}: hubs.chat.anonymousConnectPolicy: "maybe" is not a policy (allowed: "allow", "deny")`,
    );
    await expect(startEmulator({ port: 0, configFile: join(dir, "missing.json") })).rejects.toThrow(/does not exist/);
  });
});
