// The package's version, from package.json: tsup replaces `__WEBPUBSUB_VERSION__` at build time (and vitest
// when tests run from src). Anything else that runs the sources as they are (tsx) gets "0.0.0-dev".
declare const __WEBPUBSUB_VERSION__: string | undefined;

/** This package's version, e.g. `0.1.0`. */
export const packageVersion: string = typeof __WEBPUBSUB_VERSION__ === "string" ? __WEBPUBSUB_VERSION__ : "0.0.0-dev";
