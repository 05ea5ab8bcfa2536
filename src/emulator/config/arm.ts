// The shape teams deploy: `{ "hubs": { "<hub>": <properties> } }`, where `<properties>` is the `properties`
// object of a `Microsoft.SignalRService/webPubSub/hubs` resource (ARM/Bicep reference, API 2025-12-01-preview:
// anonymousConnectPolicy, chat, eventHandlers, eventListeners, webSocketKeepAliveIntervalInSeconds).
// Its schema is fixed, so a property it does not have is refused (a typo would otherwise do nothing).
import { join, type Field, type Scope } from "./fields";
import type { ResolvedConfig, ResolvedHandler, ResolvedHub } from "./resolved";

type Checked = Omit<ResolvedConfig, "notices">;

export function fromHubResources(scope: Scope, value: unknown): Checked {
  const top = scope.fields(
    value,
    "",
    { hubs: "read", port: "read", host: "read", accessKey: "read", $schema: "read" },
    'the configuration ({ "hubs": { "<hub>": <hub properties> } })',
  );
  const hubsField = top.get("hubs") as Field;
  const hubs = readHubs(scope, hubsField);
  const port = scope.port(top.get("port"));
  const host = scope.text(top.get("host"), "the interface to listen on");
  const accessKey = scope.text(top.get("accessKey"), "the access key", true);
  return {
    hubs,
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
    ...(accessKey === undefined ? {} : { accessKey }),
  };
}

function readHubs(scope: Scope, field: Field): Map<string, ResolvedHub> {
  const hubs = new Map<string, ResolvedHub>();
  const object = scope.object(field.value, field.path, "hub names mapped to hub properties");
  for (const [name, properties] of Object.entries(object)) {
    const path = join(field.path, name);
    scope.hubName(name, path);
    const earlier = hubs.get(name.toLowerCase());
    if (earlier !== undefined)
      scope.fail(path, `names the same hub as ${JSON.stringify(earlier.name)} (hub names are case-insensitive)`);
    hubs.set(name.toLowerCase(), readHub(scope, name, properties, path));
  }
  return hubs;
}

function readHub(scope: Scope, name: string, value: unknown, path: string): ResolvedHub {
  const fields = scope.fields(
    value,
    path,
    {
      eventHandlers: "read",
      eventListeners: { ignored: "the emulator forwards no events to Event Hubs" },
      anonymousConnectPolicy: "read",
      webSocketKeepAliveIntervalInSeconds: "read",
      chat: { ignored: "the emulator has no chat mode or persistent storage" },
    },
    "a hub's properties",
  );
  const handlersField = fields.get("eventHandlers");
  const handlers =
    handlersField === undefined || handlersField.value === null
      ? []
      : scope
          .list(handlersField.value, handlersField.path, "event handlers in priority order")
          .map((handler, i) => readHandler(scope, handler, join(handlersField.path, i)));
  return {
    name,
    handlers,
    anonymousConnect: scope.anonymousConnect(fields.get("anonymousConnectPolicy")),
    keepAliveSeconds: scope.keepAliveSeconds(fields.get("webSocketKeepAliveIntervalInSeconds")),
  };
}

function readHandler(scope: Scope, value: unknown, path: string): ResolvedHandler {
  const fields = scope.fields(
    value,
    path,
    {
      urlTemplate: "read",
      userEventPattern: "read",
      systemEvents: "read",
      auth: "read",
      groupPresenceEvents: { ignored: "the emulator sends no group presence (joined/left) events" },
    },
    "an event handler",
  );
  scope.auth(fields.get("auth"));
  return {
    urlTemplate: scope.urlTemplate(fields.get("urlTemplate"), path, "urlTemplate"),
    userEvents: scope.userEvents(fields.get("userEventPattern")),
    systemEvents: scope.systemEvents(fields.get("systemEvents")),
  };
}
