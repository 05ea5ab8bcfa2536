// Target HTTP server for the throughput / cold-start / batch benchmarks: answers 202 to every POST after
// reading the body, keeps connections alive. Prints {"port":N} on stdout; "rss" on stdin prints its RSS.
import http from "node:http";
import { createInterface } from "node:readline";

let requests = 0;
const server = http.createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    requests++;
    if (req.method === "POST") {
      res.writeHead(202, { "content-length": "0" });
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    }
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "rss") console.log(JSON.stringify({ rss: process.memoryUsage().rss, requests }));
});
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
