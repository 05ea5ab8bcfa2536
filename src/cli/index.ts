// The `webpubsub` command. Each subcommand lives in its own module and is loaded only when used,
// so `webpubsub token` never pays for the emulator's WebSocket server and vice versa.
import { packageVersion } from "../internal/version";

const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  emulator: { summary: "start a local Web PubSub emulator", load: () => import("./emulator") },
  send: { summary: "send messages through a Web PubSub service (or the emulator)", load: () => import("./send") },
  token: { summary: "mint a client access token and print the client URL", load: () => import("./token") },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return (
    `usage: webpubsub <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    `Run "webpubsub <command> --help" for a command's options, "webpubsub --version" for the version.\n`
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${packageVersion}\n`);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`webpubsub: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`webpubsub: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
