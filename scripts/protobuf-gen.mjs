// Generates the emulator's protobuf codec (src/emulator/protocols/protobuf/webpubsub.v1_pb.ts) from the
// .proto beside it, with buf and protoc-gen-es (devDependencies). `npm run protobuf:gen` after editing the
// .proto; test/emulator/protocols/protobuf/codec.test.ts fails while the committed file differs from a fresh one.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const protoDir = join(root, "src/emulator/protocols/protobuf");
export const generatedName = "webpubsub.v1_pb.ts";

/** Runs the generator into a fresh directory and returns the generated file's text. */
export function generate() {
  const out = mkdtempSync(join(tmpdir(), "webpubsub-protobuf-"));
  try {
    const template = {
      version: "v2",
      plugins: [
        { local: join(root, "node_modules/.bin/protoc-gen-es"), out, opt: ["target=ts", "import_extension=none"] },
      ],
    };
    execFileSync(join(root, "node_modules/.bin/buf"), ["generate", protoDir, "--template", JSON.stringify(template)], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    return readFileSync(join(out, generatedName), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(protoDir, generatedName), generate());
  console.log(`wrote src/emulator/protocols/protobuf/${generatedName}`);
}
