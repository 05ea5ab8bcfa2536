// The platform for every runtime but Node: WebCrypto only, no `node:` import, no npm package. tsup swaps
// ./platform.ts for this file in the `dist/web` build that the workerd, edge-light, deno, bun, browser and
// default export conditions select.
import { signHs256Web } from "./hs256.web";
import type { Platform } from "./platformTypes";

export const platform: Platform = {
  name: "web",
  signHs256: signHs256Web,
  // EventTarget has no listener limit outside Node.
  allowManyListeners: () => undefined,
};
