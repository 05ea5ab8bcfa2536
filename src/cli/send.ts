// `webpubsub send`: sends one message, or every line of a file / stdin as a batch with progress.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { sendMany, type BatchMessage } from "../batch/sendMany";
import { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { connectionStringFrom } from "./common";

const help = `usage: webpubsub send --hub HUB [--group G | --user U | --connection ID] [--text] [--filter F]
                      [--ttl SECONDS] [--connection-string CS] (MESSAGE | --lines FILE|-)
                      [--concurrency 16] [--quiet]

Sends MESSAGE (JSON unless --text) to the hub, a group, a user or a connection. With --lines, every
line of FILE (or stdin for "-") is one message, sent with bounded concurrency; progress goes to stderr.
The connection string comes from --connection-string or WebPubSubConnectionString; it is never printed.
Exit status: 0 when everything was sent, 1 when anything failed, 2 for bad usage.
`;

export async function run(argv: string[]): Promise<number> {
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
        quiet: { type: "boolean", default: false },
        "connection-string": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.hub === undefined) return usageError("--hub is required");
  const targets = [values.group, values.user, values.connection].filter((t) => t !== undefined);
  if (targets.length > 1) return usageError("give at most one of --group, --user, --connection");
  if ((values.lines === undefined) === (positionals.length !== 1)) return usageError("give exactly one MESSAGE, or --lines FILE");
  const concurrency = Number(values.concurrency);
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  const connectionString = connectionStringFrom(values["connection-string"], "send");
  if (connectionString === undefined) return 2;

  const toItem = (raw: string): BatchMessage => ({
    message: values.text ? raw : parseJson(raw),
    ...(values.text ? { contentType: "text/plain" as const } : {}),
    ...(values.group === undefined ? {} : { group: values.group }),
    ...(values.user === undefined ? {} : { userId: values.user }),
    ...(values.connection === undefined ? {} : { connectionId: values.connection }),
    ...(values.filter === undefined ? {} : { filter: values.filter }),
    ...(ttl === undefined ? {} : { messageTtlSeconds: ttl }),
  });

  const client = new WebPubSubServiceClient(connectionString, values.hub);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  try {
    const source = values.lines === undefined ? [positionals[0] as string] : readLines(values.lines);
    const items = mapAsync(source, toItem);
    const result = await sendMany(client, items, {
      concurrency,
      abortSignal: abort.signal,
      ...(values.quiet || values.lines === undefined
        ? {}
        : { onProgress: (p) => process.stderr.write(`sent ${p.succeeded}, failed ${p.failed}, in flight ${p.inFlight}, ${p.elapsedMs} ms\n`) }),
    });
    for (const failure of result.failures) {
      process.stderr.write(`message ${failure.index + 1} failed: ${(failure.error as Error).message}\n`);
    }
    if (!values.quiet) process.stderr.write(`done: ${result.succeeded} sent, ${result.failed} failed in ${result.elapsedMs} ms\n`);
    return result.failed === 0 ? 0 : 1;
  } finally {
    process.removeListener("SIGINT", onSignal);
    await client.close();
  }
}

function usageError(message: string): number {
  process.stderr.write(`webpubsub send: ${message}\n\n${help}`);
  return 2;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Anything that is not JSON is sent as a JSON string, as the REST API would for a quoted value.
    return raw;
  }
}

async function* readLines(file: string): AsyncIterable<string> {
  const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") yield line;
}

async function* mapAsync<A, B>(source: Iterable<A> | AsyncIterable<A>, map: (a: A) => B): AsyncIterable<B> {
  for await (const value of source) yield map(value);
}
