// The one node:http server every part is served on: HTTP requests go to the live view (when on) or REST,
// WebSocket upgrades to the MQTT endpoint or the Web PubSub client endpoint, by path. Refused upgrades and
// requests Node's parser refuses are answered with a plain HTTP response, never a silent drop.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface Handlers {
  /** Answers a request when it is the live view's; false to leave it to REST. */
  liveView(req: IncomingMessage, res: ServerResponse): boolean;
  rest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether an upgrade is an MQTT client's (`/clients/mqtt/hubs/{hub}`). */
  isMqtt(url: string | undefined): boolean;
  mqttUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  clientUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Answers an upgrade an injected fault refuses; false to go on. */
  refuseUpgrade(req: IncomingMessage, socket: Duplex, mqtt: boolean): boolean;
  /** Where an error nothing else caught is reported (the request or socket it came from is ended). */
  log(line: string): void;
}

export interface EmulatorServer {
  server: Server;
  /** Listens; resolves with the port (the one picked when 0 was asked). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, destroys every open socket; resolves once the server closed. */
  close(): Promise<void>;
}

export function createEmulatorServer(requestTimeoutMs: number, handlers: Handlers): EmulatorServer {
  // A request that trickles in is answered 408 (checked every second, not Node's default 30 s).
  const serverOptions = {
    keepAliveTimeout: 65_000,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
  };
  // The last line of defence: an exception while serving one request or upgrade ends that request or
  // socket with an error and a log line, never the process.
  const failed = (req: IncomingMessage, error: unknown, end: () => void): void => {
    handlers.log(
      `internal error serving ${req.method ?? "?"} ${(req.url ?? "/").replace(/\?.*$/s, "")}: ${(error as Error)?.message ?? String(error)}`,
    );
    try {
      end();
    } catch {
      // Ending it failed too: the socket is gone already.
    }
  };
  const internalError = (res: ServerResponse) => () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error\n");
  };
  const server = createServer(serverOptions, (req, res) => {
    try {
      if (handlers.liveView(req, res)) return;
      handlers.rest(req, res).catch((error: unknown) => failed(req, error, internalError(res)));
    } catch (error) {
      failed(req, error, internalError(res));
    }
  });
  const sockets = new Set<Socket>();
  // One shared listener for every socket (a closure each would cost every connection its own).
  function forget(this: Socket): void {
    sockets.delete(this);
  }
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", forget);
  });
  server.on("upgrade", (req, socket, head) => {
    try {
      const mqtt = handlers.isMqtt(req.url);
      if (handlers.refuseUpgrade(req, socket, mqtt)) return;
      if (mqtt) handlers.mqttUpgrade(req, socket, head);
      else handlers.clientUpgrade(req, socket, head);
    } catch (error) {
      failed(req, error, () => socket.destroy());
    }
  });
  answerClientErrors(server);
  return {
    server,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The error listener of a socket being upgraded (shared: a closure would keep the request alive with it). */
export function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * Ends an upgraded socket on an error while nothing else handles its errors: Node's server no longer does once
 * it emitted `upgrade`, and ws does only once it holds the socket. Once per socket (the listener is shared).
 */
export function watchErrors(socket: Duplex): void {
  if (!socket.listeners("error").includes(destroySocket)) socket.on("error", destroySocket);
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function writeRefusal(socket: Duplex, status: number, message: string): void {
  // A client gone before reading the answer must not become an unhandled error.
  watchErrors(socket);
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * Answers what Node's HTTP parser refused the way Node's default server does (431 for oversized headers,
 * 408 for a request that took too long, 400 otherwise) instead of dropping the socket in silence.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });
}
