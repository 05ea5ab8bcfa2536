// The default transport of the web build (Deno, Bun, workerd, edge runtimes, and Node's fetch build): the
// runtime's fetch. tsup puts this module in place of ./default.ts there, so undici is never reached.
export { fetchTransport as defaultTransport } from "./fetch";
