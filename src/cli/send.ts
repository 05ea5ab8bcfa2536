// `webpubsub send`: sends one message, or every line of a file / stdin as a batch with progress.
import { parseArgs } from "node:util";
import { defaultSend } from "../batch/defaultSend";
import { sendMany } from "../batch/sendMany";
import { ServiceUnreachableError } from "../batch/ServiceUnreachableError";
import type { BatchMessage } from "../batch/types";
import { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { AbortError, ValidationError } from "../errors";
import { connectionStringFrom, missingConnectionString } from "./common";
import { countLines, readable, readLines } from "./lines";
import { hubName, integerIn, nonEmpty, positiveNumber, reportUsage, UsageError } from "./usage";

const help = `usage: webpubsub send --hub HUB [--group G | --user U | --connection ID] [--text] [--filter F]
                      [--ttl SECONDS] [--connection-string CS] (MESSAGE | --lines FILE|-)
                      [--concurrency 16] [--stop-on-error] [--max-unreachable 30] [--quiet]

Sends MESSAGE (JSON, unless --text says it is text) to the hub, a group, a user or a connection. With
--lines, every line of FILE (or stdin for "-") is one message, sent with bounded concurrency; progress
goes to stderr. --stop-on-error stops at the first message that fails. When the service cannot be
reached, the batch pauses and stops after --max-unreachable seconds. Ctrl+C stops it too; either way a
summary says how many messages were sent, failed and not tried.
The connection string comes from --connection-string, WebPubSubConnectionString or WEBPUBSUB_CONNECTION_STRING;
it is never printed.
Exit status: 0 when everything was sent, 1 when anything failed or was not sent, 2 for bad usage,
130 when interrupted.
`;

interface Plan {
  hub: string;
  connectionString: string;
  toItem: (raw: string, line: number) => LineItem;
  message: string | undefined;
  lines: string | undefined;
  concurrency: number;
  maxUnreachableInMs: number;
  stopOnError: boolean;
  quiet: boolean;
}

type LineItem = BatchMessage & { invalidLine?: number };

/** Reads and checks every argument before anything is read or sent; throws UsageError. */
async function plan(argv: string[]): Promise<Plan | "help"> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        hub: { type: "string" },
        group: { type: "string" },
        user: { type: "string" },
        connection: { type: "string" },
        text: { type: "boolean", default: false },
        filter: { type: "string" },
        ttl: { type: "string" },
        lines: { type: "string" },
        concurrency: { type: "string", default: "16" },
        "stop-on-error": { type: "boolean", default: false },
        "max-unreachable": { type: "string", default: "30" },
        quiet: { type: "boolean", default: false },
        "connection-string": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (values.hub === undefined) throw new UsageError("--hub is required");
  const hub = hubName(values.hub);
  const group = nonEmpty("--group", values.group);
  const user = nonEmpty("--user", values.user);
  const connection = nonEmpty("--connection", values.connection);
  if ([group, user, connection].filter((t) => t !== undefined).length > 1)
    throw new UsageError("give at most one of --group, --user, --connection");
  if ((values.lines === undefined) === (positionals.length !== 1))
    throw new UsageError("give exactly one MESSAGE, or --lines FILE");
  const concurrency = integerIn("--concurrency", values.concurrency, 1, 10_000);
  // Checked once here, not once per line by the SDK.
  const ttl =
    values.ttl === undefined ? undefined : integerIn("--ttl", values.ttl, 0, 300, " (seconds; 0 = never expires)");
  const maxUnreachableInMs = positiveNumber("--max-unreachable", values["max-unreachable"]) * 1000;
  const text = values.text;
  const message = positionals[0];
  if (message !== undefined && !text && !isJson(message)) {
    throw new UsageError(
      `MESSAGE is not valid JSON; pass --text to send it as text, or quote it as JSON (e.g. '"hello"')`,
    );
  }
  if (values.lines !== undefined) {
    const problem = await readable(values.lines);
    if (problem !== undefined) throw new UsageError(`--lines "${values.lines}" cannot be read: ${problem}`);
  }
  const connectionString = connectionStringFrom(values["connection-string"]);
  if (connectionString === undefined) throw new UsageError(missingConnectionString);

  const target = {
    ...(group === undefined ? {} : { group }),
    ...(user === undefined ? {} : { userId: user }),
    ...(connection === undefined ? {} : { connectionId: connection }),
    ...(values.filter === undefined ? {} : { filter: values.filter }),
    ...(ttl === undefined ? {} : { messageTtlSeconds: ttl }),
  };
  const toItem = (raw: string, line: number): LineItem => {
    if (text) return { ...target, message: raw, contentType: "text/plain" };
    return isJson(raw)
      ? { ...target, message: JSON.parse(raw) as unknown }
      : { ...target, message: raw, invalidLine: line };
  };
  return {
    hub,
    connectionString,
    toItem,
    message,
    lines: values.lines,
    concurrency,
    maxUnreachableInMs,
    stopOnError: values["stop-on-error"],
    quiet: values.quiet,
  };
}

export async function run(argv: string[]): Promise<number> {
  let p: Plan | "help";
  let client: WebPubSubServiceClient;
  try {
    p = await plan(argv);
    if (p === "help") {
      process.stdout.write(help);
      return 0;
    }
    client = new WebPubSubServiceClient(p.connectionString, p.hub);
  } catch (error) {
    // A malformed connection string is bad usage too; its message never contains the key.
    if (error instanceof UsageError || error instanceof ValidationError)
      return reportUsage("send", error.message, help);
    throw error;
  }
  return sendAll(p, client);
}

async function sendAll(p: Plan, client: WebPubSubServiceClient): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  const counts = { read: 0, sent: 0, failed: 0 };
  const started = performance.now();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  async function* items(): AsyncIterable<LineItem> {
    const source = p.lines === undefined ? [p.message as string] : readLines(p.lines);
    for await (const raw of source) yield p.toItem(raw, ++counts.read);
  }
  let ending: "done" | "stopped" | "interrupted" = "done";
  try {
    const result = await sendMany(client, items(), {
      concurrency: p.concurrency,
      abortSignal: abort.signal,
      stopOnError: p.stopOnError,
      maxUnreachableInMs: p.maxUnreachableInMs,
      send: (item, context) =>
        item.invalidLine === undefined
          ? defaultSend(item, context)
          : Promise.reject(
              new ValidationError(`line ${item.invalidLine} is not valid JSON (pass --text to send lines as text)`, {
                argument: "line",
              }),
            ),
      onResult: (r) => void (r.ok ? counts.sent++ : counts.failed++),
      ...(p.quiet || p.lines === undefined ? {} : { onProgress: (x) => say(progressLine(x)) }),
    });
    for (const failure of result.failures)
      say(`message ${failure.index + 1} failed: ${(failure.error as Error).message}`);
    if (result.stopped) ending = "stopped";
  } catch (error) {
    if (error instanceof ServiceUnreachableError) {
      say(
        `webpubsub send: ${error.message.replace(/, so the batch stopped:.*$/, "")} (${(error.cause as Error | undefined)?.message ?? "no answer"}); stopping.`,
      );
      ending = "stopped";
    } else if (error instanceof AbortError && abort.signal.aborted) {
      ending = "interrupted";
    } else {
      throw error;
    }
  } finally {
    process.removeListener("SIGINT", onSignal);
    await client.close();
  }
  const elapsed = Math.round(performance.now() - started);
  if (ending === "done") {
    if (!p.quiet) say(`done: ${counts.sent} sent, ${counts.failed} failed in ${elapsed} ms`);
    return counts.failed === 0 ? 0 : 1;
  }
  // Stopped early: count what was never sent, including lines never read.
  const total = p.lines === undefined ? 1 : p.lines === "-" ? undefined : await countLines(p.lines);
  const notTried = (total ?? counts.read) - counts.sent - counts.failed;
  const unread = total === undefined ? " (the rest of stdin was not read)" : "";
  say(`${ending}: ${counts.sent} sent, ${counts.failed} failed, ${notTried} not tried${unread} in ${elapsed} ms`);
  return ending === "interrupted" ? 130 : 1;
}

function progressLine(p: {
  succeeded: number;
  failed: number;
  inFlight: number;
  unreachableMs: number;
  elapsedMs: number;
}): string {
  const outage =
    p.unreachableMs > 0 ? `, service unreachable for ${(p.unreachableMs / 1000).toFixed(1)} s (paused)` : "";
  return `sent ${p.succeeded}, failed ${p.failed}, in flight ${p.inFlight}${outage}, ${p.elapsedMs} ms`;
}

function isJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}
