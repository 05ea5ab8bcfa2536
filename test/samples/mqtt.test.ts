// The MQTT sample and the MQTT guide's example (docs/mqtt.md), run as written against the emulator.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { tsBlockUnder } from "../helpers/markdown";
import { runNode } from "../helpers/spawn";

const root = fileURLToPath(new URL("../..", import.meta.url));
let emulator: Emulator;
const dir = mkdtempSync(join(root, "samples", ".readme-mqtt-"));

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

describe("MQTT sample", () => {
  it("samples/mqtt/sensor.ts: the reading reaches the Web PubSub client and the command reaches the device", async () => {
    const result = await runNode(["--import", "tsx", join(root, "samples/mqtt/sensor.ts"), "sensors"], {
      env: { WebPubSubConnectionString: emulator.connectionString },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dashboard received (json): {"celsius":21.5}');
    expect(result.stdout).toContain("sensor received command: calibrate");
  });

  it("the MQTT guide's example runs as written and receives its own publish", async () => {
    const code = tsBlockUnder("docs/mqtt.md", "MQTT clients");
    const file = join(dir, "example.ts");
    writeFileSync(file, code);
    const result = await runNode(["--import", "tsx", file], {
      env: { WebPubSubConnectionString: emulator.connectionString },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("lobby: hello from MQTT");
  });
});
