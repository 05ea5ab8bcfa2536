// The WebSocket handshake of a client: which hub, whose token, which subprotocol, and (when the hub has an
// event handler) what the blocking `connect` event says. Nothing is created until the socket is open.
import type { IncomingMessage } from "node:http";
import { clientClaims, type ClientCheck } from "../../auth/client";
import { bearer } from "../../auth/token";
import type { ClientConnection, ClientProtocol } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { validHostHeader } from "../../auth/endpoint";
import type { ConnectReply } from "../../upstream/client";
import type { EventRoute } from "../../upstream/router";
import { clientAudiences, hubOf, RequestTarget, type Refusal } from "./target";
import { newConnectionId } from "../../state/ids";
import { admittedBefore, rememberAdmitted } from "./admitted";

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

export type { Refusal };

/** What the handshake decides: at once when it can, later when it waits on a token check or an event handler. */
export type Decision = Pending | Refusal | Promise<Pending | Refusal>;

/**
 * Checks the hub, the token and (for reliable clients) the recovery parameters; asks the connect handler.
 * A client whose token was verified before, in a hub without a connect handler, is decided without a promise.
 */
export function authorizeUpgrade(core: EmulatorCore, req: IncomingMessage): Decision {
  if (!validHostHeader(req.headers.host)) return { status: 400, message: "the Host header is not a valid host[:port]" };
  const protocolHeader = req.headers["sec-websocket-protocol"];
  const offered =
    protocolHeader === undefined
      ? []
      : protocolHeader
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
  const raw = req.url ?? "/";
  const known = admittedBefore(raw, core.keyBytes, core.origins());
  if (known !== undefined) return admit(core, req, undefined, known.hub, offered, known);
  const url = new RequestTarget(raw);
  const hubName = hubOf(url);
  if (typeof hubName !== "string") return hubName;
  // Reliable clients come back with their connection id and reconnection token. The access token plays no
  // part: its `exp` "is only checked at the time you're making the new connection" (client-spec 2.1.2).
  const resumeId = url.get("awps_connection_id");
  if (resumeId !== null) return resumption(core, hubName, resumeId, url, offered);
  const checking = verifyClient(core, req, url, hubName);
  return checking instanceof Promise
    ? checking.then((verified) => admit(core, req, url, hubName, offered, verified))
    : admit(core, req, url, hubName, offered, checking);
}

/** A client whose token was checked: refused, or pending once the connect handler (if any) agrees. */
function admit(
  core: EmulatorCore,
  req: IncomingMessage,
  /** Undefined for a client URL admitted before: read again only for a connect handler. */
  url: RequestTarget | undefined,
  hubName: string,
  offered: string[],
  verified: ClientCheck,
): Decision {
  if (!("claims" in verified)) return verified;
  const { claims } = verified;
  const { protocol, answer } = choose(defaultSubprotocol(offered));
  const pending: Pending = {
    hub: hubName,
    protocol,
    answer,
    userId: typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null,
    roles: stringList(claims["role"]),
    groups: stringList(claims["webpubsub.group"]),
    state: undefined,
    resume: undefined,
    refuseRecovery: false,
  };
  const upstream = core.upstream(hubName);
  if (upstream?.wants("system", "connect") !== true) return withinGroupLimit(core, pending);
  return askConnectHandler(upstream, req, url ?? new RequestTarget(req.url), offered, claims, pending).then(
    (refused) => refused ?? withinGroupLimit(core, pending),
  );
}

function withinGroupLimit(core: EmulatorCore, pending: Pending): Pending | Refusal {
  const max = core.maxGroupsPerConnection;
  if (pending.groups.length > max && new Set(pending.groups).size > max) {
    return {
      status: 400,
      message: `the connection would start in more than ${max} groups, the most the emulator allows`,
    };
  }
  return pending;
}

/** A reliable client coming back: the same connection when it may resume, else a new one told to start over. */
function resumption(
  core: EmulatorCore,
  hubName: string,
  resumeId: string,
  url: RequestTarget,
  offered: string[],
): Pending {
  const existing = core.existingHub(hubName)?.connections.get(resumeId);
  const tokenOk = existing !== undefined && existing.reconnectionToken === url.get("awps_reconnection_token");
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

/** The client's token, verified: its claims (none for an anonymous client where allowed), or why it is refused. */
function verifyClient(
  core: EmulatorCore,
  req: IncomingMessage,
  url: RequestTarget,
  hubName: string,
): ClientCheck | Promise<ClientCheck> {
  const inQuery = url.get("access_token");
  const token = inQuery ?? bearer(req.headers.authorization);
  const audiences = clientAudiences(core, hubName, url.pathname);
  const check = clientClaims(core, hubName, token, audiences);
  if (inQuery === null) return check;
  const remember = (verified: ClientCheck): ClientCheck => {
    if ("claims" in verified) rememberAdmitted(url.raw, core.keyBytes, core.origins(), hubName, verified.claims);
    return verified;
  };
  return check instanceof Promise ? check.then(remember) : remember(check);
}

/** The blocking `connect` event, for a hub whose event handler takes it: its answer completes `pending`. */
async function askConnectHandler(
  upstream: EventRoute,
  req: IncomingMessage,
  url: RequestTarget,
  offered: string[],
  claims: Record<string, unknown>,
  pending: Pending,
): Promise<Refusal | undefined> {
  const provisionalId = newConnectionId();
  const body = JSON.stringify({
    claims: claimsAsLists(claims),
    query: queryAsLists(url.searchParams),
    headers: headersAsLists(req),
    subprotocols: offered,
    clientCertificates: [],
  });
  const result = await upstream.send(
    pending.hub,
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
    const refused = applyConnectReply(result.body, offered, pending);
    if (refused !== undefined) return refused;
  }
  pending.state = result.state ?? undefined;
  return undefined;
}

/** The connect handler's reply: user id, groups and roles to add, and the subprotocol it picked. */
function applyConnectReply(body: Buffer, offered: string[], pending: Pending): Refusal | undefined {
  let reply: ConnectReply;
  try {
    reply = JSON.parse(body.toString("utf8")) as ConnectReply;
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
  return undefined;
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
