// Microsoft's emulator's settings (Azure/azure-webpubsub tools/emulator, README "HTTP lifecycle
// notifications"): `{ "WebPubSub": { "AccessKey", "Hubs": { "<hub>": { "EventHandlers": [{ "UrlTemplate",
// "SystemEvents", "EventPattern", "Auth" }], "EventListeners" } } }, "Urls" }`. It is an ASP.NET
// configuration file: keys are case-insensitive, other sections (Logging, AllowedHosts...) belong to ASP.NET,
// and keys nobody reads are ignored, so unknown keys here get a notice rather than an error.
import { join, type Field, type Scope } from "./fields";
import type { ResolvedConfig, ResolvedHandler, ResolvedHub } from "./resolved";

type Checked = Omit<ResolvedConfig, "notices">;

export function fromAppSettings(scope: Scope, value: unknown): Checked {
  const root = scope.object(value, "", "Microsoft's emulator settings");
  let section: Field | undefined;
  let urls: Field | undefined;
  for (const [key, item] of Object.entries(root)) {
    const lower = key.toLowerCase();
    if (lower === "webpubsub") section = { value: item, path: join("", key) };
    else if (lower === "urls") urls = { value: item, path: join("", key) };
    else if (lower === "kestrel")
      scope.notice(`${scope.source}: ${key} is not read; the emulator listens where Urls, --port and --host say`);
  }
  const webPubSub = scope.fields(
    (section as Field).value,
    (section as Field).path,
    {
      AccessKey: "read",
      Hubs: "read",
      AllowUnvalidatedEntraTokens: { ignored: "the emulator accepts access-key tokens only" },
    },
    "the WebPubSub section",
  );
  const hubsField = webPubSub.get("Hubs");
  const hubs = hubsField === undefined || hubsField.value === null ? new Map() : readHubs(scope, hubsField);
  const accessKey = scope.text(webPubSub.get("AccessKey"), "the access key", true);
  return { hubs, ...listenAddress(scope, urls), ...(accessKey === undefined ? {} : { accessKey }) };
}

function readHubs(scope: Scope, field: Field): Map<string, ResolvedHub> {
  const hubs = new Map<string, ResolvedHub>();
  const object = scope.object(field.value, field.path, "hub names mapped to hub settings");
  for (const [name, settings] of Object.entries(object)) {
    const path = join(field.path, name);
    scope.hubName(name, path);
    const earlier = hubs.get(name.toLowerCase());
    if (earlier !== undefined)
      scope.fail(path, `names the same hub as ${JSON.stringify(earlier.name)} (hub names are case-insensitive)`);
    hubs.set(name.toLowerCase(), readHub(scope, name, settings, path));
  }
  return hubs;
}

function readHub(scope: Scope, name: string, value: unknown, path: string): ResolvedHub {
  const fields = scope.fields(
    value,
    path,
    {
      EventHandlers: "read",
      EventListeners: { ignored: "the emulator forwards no events to Event Hubs" },
      // Not read by Microsoft's emulator; the hub resource's properties of the same names.
      AnonymousConnectPolicy: "read",
      WebSocketKeepAliveIntervalInSeconds: "read",
    },
    "a hub's settings",
  );
  const handlersField = fields.get("EventHandlers");
  const handlers =
    handlersField === undefined || handlersField.value === null
      ? []
      : handlerList(scope, handlersField).map(([handler, at]) => readHandler(scope, handler, at));
  return {
    name,
    handlers,
    anonymousConnect: scope.anonymousConnect(fields.get("AnonymousConnectPolicy")),
    keepAliveSeconds: scope.keepAliveSeconds(fields.get("WebSocketKeepAliveIntervalInSeconds")),
  };
}

/** A list, or (as ASP.NET binds environment-style keys "0", "1"...) an object with numeric keys in order. */
function handlerList(scope: Scope, field: Field): [unknown, string][] {
  if (Array.isArray(field.value)) return field.value.map((h, i) => [h, join(field.path, i)]);
  const object = scope.object(field.value, field.path, "event handlers in priority order");
  const keys = Object.keys(object);
  if (!keys.every((k) => /^\d+$/.test(k))) scope.fail(field.path, "must be a list (event handlers in priority order)");
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => [object[k], join(field.path, k)]);
}

function readHandler(scope: Scope, value: unknown, path: string): ResolvedHandler {
  const fields = scope.fields(
    value,
    path,
    { UrlTemplate: "read", SystemEvents: "read", EventPattern: "read", Auth: "read" },
    "an event handler",
  );
  scope.auth(fields.get("Auth"));
  return {
    urlTemplate: scope.urlTemplate(fields.get("UrlTemplate"), path, "UrlTemplate"),
    userEvents: scope.userEvents(fields.get("EventPattern")),
    systemEvents: scope.systemEvents(fields.get("SystemEvents")),
  };
}

/** ASP.NET's `Urls` (`http://localhost:8080;...`): the first one gives the port and the interface. */
function listenAddress(scope: Scope, field: Field | undefined): { port?: number; host?: string } {
  if (field === undefined || field.value === null) return {};
  const allowed = 'e.g. "http://localhost:8080"';
  if (typeof field.value !== "string" || field.value.trim() === "")
    scope.fail(field.path, `must be a listening URL (${allowed})`);
  const list = field.value.split(";").map((u) => u.trim());
  const first = list[0] as string;
  // `+` and `*` are ASP.NET's "every interface"; the URL parser does not take them as host names.
  const wildcard = /^http:\/\/[+*](:|\/|$)/i.test(first);
  let url: URL | undefined;
  try {
    url = new URL(wildcard ? first.replace(/^http:\/\/[+*]/i, "http://0.0.0.0") : first);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "http:")
    scope.fail(
      field.path,
      `${JSON.stringify(first)} is not an http:// URL (${allowed}); the emulator serves plain HTTP`,
    );
  if (list.length > 1)
    scope.notice(`${scope.source}: ${field.path} lists several URLs; the emulator listens on the first`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { port: url.port === "" ? 80 : Number(url.port), host: host === "localhost" ? "127.0.0.1" : host };
}
