// `webpubsub send --lines` when things go wrong, in a real child process: the endpoint is down, the user
// presses Ctrl+C (SIGINT), --stop-on-error. Each ends with one summary counting sent, failed and not tried,
// and a non-zero exit status.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startRecordingServer } from "../helpers/recordingServer";
import { runNode, startNode } from "../helpers/spawn";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const csFor = (url: string) => `Endpoint=${url};AccessKey=${key};Version=1.0;`;

function linesFile(count: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "wps-fail-")), "lines.txt");
  writeFileSync(path, Array.from({ length: count }, (_, i) => JSON.stringify({ i })).join("\n") + "\n");
  return path;
}

function summary(stderr: string): { label: string; sent: number; failed: number; notTried: number } {
  const match = /^(\w+): (\d+) sent, (\d+) failed, (\d+) not tried in \d+ ms$/m.exec(stderr);
  expect(match, stderr).not.toBeNull();
  const [, label, sent, failed, notTried] = match as RegExpExecArray;
  return { label: label!, sent: Number(sent), failed: Number(failed), notTried: Number(notTried) };
}

describe("webpubsub send when things go wrong", () => {
  it("against a closed port: stops after --max-unreachable with a summary, fast, exit 1", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const t0 = performance.now();
    const result = await runNode(
      [cli, "send", "--hub", "h", "--lines", linesFile(5000), "--max-unreachable", "1", "--quiet"],
      {
        env: { WebPubSubConnectionString: `Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;` },
      },
    );
    const elapsed = performance.now() - t0;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^webpubsub send: The service was unreachable for \d+(\.\d)? s \(.*ECONNREFUSED.*\); stopping\.$/m,
    );
    expect(summary(result.stderr)).toEqual({ label: "stopped", sent: 0, failed: 0, notTried: 5000 });
    expect(result.stderr).not.toContain(key);
    // The old behaviour ran for more than 11 minutes; a second of outage plus start-up is the work now, and
    // 20 s (a thirtieth of the old run) is room for a loaded machine starting a Node process.
    expect(elapsed).toBeLessThan(20_000);
  });

  it("Ctrl+C (SIGINT) prints the summary and exits 130", async () => {
    // A slow service: each send takes 30 ms, so the batch is mid-way when interrupted.
    const server = await startRecordingServer(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      res.writeHead(202).end();
    });
    const total = 2000;
    const { child, output, exited } = startNode(
      [cli, "send", "--hub", "h", "--lines", linesFile(total), "--concurrency", "4"],
      {
        env: { WebPubSubConnectionString: csFor(server.url) },
      },
    );
    await expect.poll(() => /^sent [1-9]\d*, /m.test(output.stderr), { timeout: 10_000 }).toBe(true);
    child.kill("SIGINT");
    const result = await exited;
    expect(result.code).toBe(130);
    const counts = summary(result.stderr);
    expect(counts.label).toBe("interrupted");
    expect(counts.sent).toBeGreaterThan(0);
    expect(counts.sent + counts.failed + counts.notTried).toBe(total);
    expect(counts.notTried).toBeGreaterThan(0);
    // What it says was sent, the service received (aborted sends may have reached it but are not counted).
    expect(server.requests.length).toBeGreaterThanOrEqual(counts.sent);
    await server.close();
  });

  it("--stop-on-error stops at the first failure and says what was left", async () => {
    const server = await startRecordingServer((req, res) => {
      const { i } = JSON.parse(req.body.toString()) as { i: number };
      res
        .writeHead(i === 2 ? 403 : 202, { "content-type": "application/json" })
        .end(i === 2 ? '{"code":"Forbidden","message":"no"}' : "");
    });
    const result = await runNode(
      [cli, "send", "--hub", "h", "--lines", linesFile(100), "--concurrency", "1", "--stop-on-error", "--quiet"],
      {
        env: { WebPubSubConnectionString: csFor(server.url) },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("message 3 failed: POST /api/hubs/h/:send failed with status 403 (Forbidden): no");
    expect(summary(result.stderr)).toEqual({ label: "stopped", sent: 2, failed: 1, notTried: 97 });
    expect(server.requests.length).toBe(3);
    await server.close();
  });
});
