// Reading `--lines FILE|-`: one message per non-empty line, streamed so a huge file is never held in memory.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/** The non-empty lines of a file, or of stdin for "-". */
export async function* readLines(file: string): AsyncIterable<string> {
  const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") yield line;
}

/** How many messages a file holds (for the "not tried" count when a batch ends early). */
export async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const _ of readLines(file)) count++;
  return count;
}

/** Checks up front that a file can be read, so a typo is a usage error and not a failure mid-batch. */
export async function readable(file: string): Promise<string | undefined> {
  if (file === "-") return undefined;
  return new Promise((resolve) => {
    const stream = createReadStream(file);
    stream.once("open", () => {
      stream.destroy();
      resolve(undefined);
    });
    stream.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ENOENT" ? "no such file" : error.code === "EISDIR" ? "it is a directory" : error.message),
    );
  });
}
