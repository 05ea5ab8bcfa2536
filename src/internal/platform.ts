// Node's platform: the default build. The build for other runtimes (Deno, Bun, workerd, edge, browsers)
// replaces this module with ./platform.web.ts (see tsup.config.ts), so nothing here is ever reached there.
import { setMaxListeners } from "node:events";
import { signHs256 } from "./hs256";
import type { Platform } from "./platformTypes";

export const platform: Platform = {
  name: "node",
  // node:crypto's HMAC is synchronous and ~4 µs; WebCrypto's async sign costs 20–40× that per token.
  signHs256,
  allowManyListeners: (signal) => setMaxListeners(0, signal),
};
