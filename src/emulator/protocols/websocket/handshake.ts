// The WebSocket handshake of a client: which hub, whose token, which subprotocol, and (when the hub has an
// event handler) what the blocking `connect` event says. Nothing is created until the socket is open.
import { randomBytes } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { bearer } from "../../auth/token";
import { clientClaims } from "../../auth/client";
import type { ClientConnection, ClientProtocol } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { validHostHeader } from "../../auth/endpoint";
import type { ConnectReply } from "../../upstream/client";

const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/** A client that passed the handshake checks, waiting for its socket. */
export interface Pending {
  /** The hub's name; its state is created only once the socket is open (refused clients leave none). */
  hub: string;
  protocol: ClientProtocol;
  /** The subprotocol the handshake answers with (none for a simple client that offered none). */
  answer: string | undefined;
  userId: string | null;
  roles: string[];
  groups: string[];
  state: string | undefined;
  resume: ClientConnection | undefined;
  refuseRecovery: boolean;
  /** The connection id already announced to the connect handler. */
  id?: string;
}

/** Why the handshake is refused, as an HTTP status and a plain message. */
export interface Refusal {
  status: number;
  message: string;
}

/** Checks the hub, the token and (for reliable clients) the recovery parameters; asks the connect handler. */
export async function authorizeUpgrade(core: EmulatorCore, req: IncomingMessage): Promise<Pending | Refusal> {
  if (!validHostHeader(req.headers.host)) return { status: 400, message: "the Host header is not a valid host[:port]" };
  const url = new URL(req.url ?? "/", "http://localhost");
  let hubName: string | null;
  const m = /^\/client\/hubs\/([^/]+)\/?$/.exec(url.pathname);
  if (m !== null) {
    try {
      hubName = decodeURIComponent(m[1] as string);
    } catch {
      return { status: 400, message: "the hub name in the path is not validly percent-encoded" };
    }
  } else if (url.pathname === "/client" || url.pathname === "/client/") hubName = url.searchParams.get("hub");
  else return { status: 404, message: `no client endpoint at ${url.pathname}; use /client/hubs/{hub}` };
  if (hubName === null || !hubPattern.test(hubName)) return { status: 400, message: "invalid or missing hub name" };
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

  // Reliable clients come back with their connection id and reconnection token. The access token plays no
  // part: its `exp` "is only checked at the time you're making the new connection" (client-spec 2.1.2).
  const resumeId = url.searchParams.get("awps_connection_id");
  if (resumeId !== null) {
    const existing = core.existingHub(hubName)?.connections.get(resumeId);
    const tokenOk =
      existing !== undefined && existing.reconnectionToken === url.searchParams.get("awps_reconnection_token");
    // The connection comes back in the subprotocol it had (json or protobuf reliable), which it must offer.
    const name = existing?.subprotocol;
    const resumable =
      existing !== undefined &&
      tokenOk &&
      existing.reliable &&
      name !== undefined &&
      offered.includes(name) &&
      existing.socket === undefined &&
      !existing.closed;
    return {
      hub: hubName,
      protocol: resumable ? existing.protocol : "reliable",
      answer: resumable ? name : offered.includes(reliableName) ? reliableName : offered[0],
      userId: existing?.userId ?? null,
      roles: [],
      groups: [],
      state: undefined,
      resume: resumable ? existing : undefined,
      refuseRecovery: !resumable,
    };
  }

  const token = url.searchParams.get("access_token") ?? bearer(req.headers.authorization);
  // The audience is the client endpoint at the emulator's own origin (http or ws form), never the Host header.
  const name = hubName;
  const audiences = core
    .origins()
    .flatMap((origin) => [
      `${origin}/client/hubs/${name}`,
      `${origin}${url.pathname}`,
      `${origin}/client/?hub=${name}`,
    ]);
  const checked = await clientClaims(core, hubName, token, audiences);
  if (!("claims" in checked)) return checked;
  const { claims } = checked;
  const answer = defaultSubprotocol(offered);
  const pending: Pending = {
    hub: hubName,
    ...choose(answer),
    userId: typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null,
    roles: stringList(claims["role"]),
    groups: stringList(claims["webpubsub.group"]),
    state: undefined,
    resume: undefined,
    refuseRecovery: false,
  };

  const upstream = core.upstream(hubName);
  if (upstream?.wants("system", "connect")) {
    const provisionalId = newConnectionId();
    const body = JSON.stringify({
      claims: claimsAsLists(claims),
      query: queryAsLists(url.searchParams),
      headers: headersAsLists(req),
      subprotocols: offered,
      clientCertificates: [],
    });
    const result = await upstream.send(
      hubName,
      { connectionId: provisionalId, userId: pending.userId, subprotocol: undefined },
      "azure.webpubsub.sys.connect",
      "connect",
      body,
      "application/json",
    );
    if (!result.ok)
      return {
        status: result.status >= 400 && result.status < 600 ? result.status : 502,
        message: result.message || "rejected by the event handler",
      };
    pending.id = provisionalId;
    if (result.status === 200 && result.body.length > 0) {
      let reply: ConnectReply;
      try {
        reply = JSON.parse(result.body.toString("utf8")) as ConnectReply;
      } catch {
        return { status: 500, message: "the event handler's connect reply is not JSON" };
      }
      if (typeof reply.userId === "string" && reply.userId !== "") pending.userId = reply.userId;
      if (Array.isArray(reply.groups)) pending.groups.push(...stringList(reply.groups));
      if (Array.isArray(reply.roles)) pending.roles.push(...stringList(reply.roles));
      // The handler may pick one of the offered subprotocols; the handshake answers with it and the
      // connection speaks it (a custom one makes a simple client).
      if (typeof reply.subprotocol === "string" && reply.subprotocol !== "") {
        if (!offered.includes(reply.subprotocol))
          return {
            status: 500,
            message: `the event handler chose subprotocol '${reply.subprotocol}', which the client did not offer`,
          };
        Object.assign(pending, choose(reply.subprotocol));
      }
    }
    pending.state = result.state ?? undefined;
  }
  if (new Set(pending.groups).size > core.maxGroupsPerConnection) {
    return {
      status: 400,
      message: `the connection would start in more than ${core.maxGroupsPerConnection} groups, the most the emulator allows`,
    };
  }
  return pending;
}

const reliableName = "json.reliable.webpubsub.azure.v1";

/** The service's subprotocols, in the order the emulator prefers them when a client offers several. */
const known: [string, ClientProtocol][] = [
  [reliableName, "reliable"],
  ["json.webpubsub.azure.v1", "json"],
  ["protobuf.reliable.webpubsub.azure.v1", "protobufReliable"],
  ["protobuf.webpubsub.azure.v1", "protobuf"],
];

/**
 * Without a connect handler's choice: the first known subprotocol offered, else the first offered (a custom
 * one: a simple client). client-spec 1.1: offering several is defined only with a connect handler choosing.
 */
function defaultSubprotocol(offered: string[]): string | undefined {
  return known.find(([name]) => offered.includes(name))?.[0] ?? offered[0];
}

function choose(answer: string | undefined): { protocol: ClientProtocol; answer: string | undefined } {
  return { protocol: known.find(([name]) => name === answer)?.[1] ?? "simple", answer };
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function claimsAsLists(claims: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  return out;
}

function queryAsLists(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of params) if (k !== "access_token") (out[k] ??= []).push(v);
  return out;
}

function headersAsLists(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === "authorization" || v === undefined) continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  return out;
}

export function newConnectionId(): string {
  return randomBytes(16).toString("base64url");
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
