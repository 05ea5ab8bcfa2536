// Floor for the fan-out benchmark: a bare `ws` WebSocketServer that broadcasts each HTTP POST body to every
// client. Prints {"port"}; a stdin line "rss" prints {"rss"}, "cpu" prints {"cpuUs"}.
import http from "node:http";
import { createInterface } from "node:readline";
import { WebSocketServer } from "ws";

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const body = Buffer.concat(chunks).toString();
    for (const ws of wss.clients) ws.send(body);
    res.writeHead(202, { "content-length": "0" }).end();
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
server.keepAliveTimeout = 120_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "rss") console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  if (line.trim() === "cpu") {
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpuUs: user + system }));
  }
});
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
