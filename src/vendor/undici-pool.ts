// Built alone into dist/vendor/undici-pool.js (see tsup.config.ts): undici's Pool and the modules it needs,
// in one file. Loaded through its ~70 files, the Pool costs a fresh process tens of milliseconds of module
// resolution before the first request; as one file it is read and compiled once. The shipped code never
// names a path inside undici (Deno and some bundlers refuse them), only this file.
import Pool from "undici/lib/dispatcher/pool.js";

export { Pool };
