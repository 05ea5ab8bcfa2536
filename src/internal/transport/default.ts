// The transport a client uses when none is given. A build for another runtime replaces this one module
// (the undici transport only loads undici on the first request, but a bundler would still follow it).
export { undiciTransport as defaultTransport } from "./undici";
