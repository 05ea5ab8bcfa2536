// Hub configuration files: both shapes read into the same settings, and every refusal names the source,
// the field and what is allowed (docs/emulator-config.md).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonErrorOffset } from "../../../src/emulator/config/jsonError";
import { EmulatorConfigError } from "../../../src/emulator/index";
import { parseConfigText } from "../../../src/emulator/config/load";
import { parseJsonc } from "../../../src/emulator/config/jsonc";
import { resolveConfig } from "../../../src/emulator/config/parse";
import { matchHandler } from "../../../src/emulator/config/match";
import { codeBlocks } from "../../helpers/markdown";

const refusal = (value: unknown): EmulatorConfigError => {
  try {
    resolveConfig(value, "hubs.json");
  } catch (error) {
    expect(error).toBeInstanceOf(EmulatorConfigError);
    expect(error).toBeInstanceOf(TypeError);
    return error as EmulatorConfigError;
  }
  throw new Error("the configuration was accepted");
};

const handler = { urlTemplate: "http://localhost:3000/eventhandler/{event}" };

describe("the hub settings teams deploy ({ hubs: { <hub>: <properties> } })", () => {
  it("reads the hub resource's properties: handlers in order, anonymous policy, keep-alive", () => {
    const config = resolveConfig(
      {
        hubs: {
          Chat: {
            eventHandlers: [
              {
                urlTemplate: "http://a.local/{hub}/{event}",
                systemEvents: ["connect"],
                userEventPattern: "Typing, chat",
              },
              { urlTemplate: "https://b.local/x?code=secret", userEventPattern: "*", systemEvents: ["Connected"] },
            ],
            anonymousConnectPolicy: "Allow",
            webSocketKeepAliveIntervalInSeconds: 50,
          },
        },
        port: 9090,
      },
      "hubs.json",
    );
    const chat = config.hubs.get("chat");
    expect(chat?.name).toBe("Chat");
    expect(chat?.anonymousConnect).toBe(true);
    expect(chat?.keepAliveSeconds).toBe(50);
    expect(chat?.handlers.map((h) => [h.urlTemplate, h.userEvents, [...h.systemEvents]])).toEqual([
      ["http://a.local/{hub}/{event}", new Set(["typing", "chat"]), ["connect"]],
      ["https://b.local/x?code=secret", "*", ["connected"]],
    ]);
    expect(config.port).toBe(9090);
    expect(config.notices).toEqual([]);
  });

  it("defaults as the service does: deny anonymous clients, ping every 20 s, no events without a pattern", () => {
    const hub = resolveConfig({ hubs: { chat: { eventHandlers: [handler] } } }, "x").hubs.get("chat");
    expect(hub).toMatchObject({ anonymousConnect: false, keepAliveSeconds: 20 });
    expect(hub?.handlers[0]?.userEvents).toEqual(new Set());
    expect(hub?.handlers[0]?.systemEvents).toEqual(new Set());
  });

  it("accepts what the service has but the emulator cannot do, with one notice each", () => {
    const config = resolveConfig(
      {
        hubs: {
          chat: {
            eventHandlers: [
              {
                ...handler,
                auth: { type: "ManagedIdentity", managedIdentity: { resource: "api://x" } },
                groupPresenceEvents: { eventNames: ["joined"], groupFilters: ["chat*"] },
              },
              { ...handler, auth: { type: "None" } },
            ],
            eventListeners: [{ endpoint: { type: "EventHub" }, filter: { type: "EventName" } }],
            chat: { mode: "Enabled" },
          },
          empty: { eventListeners: [] },
        },
      },
      "hubs.json",
    );
    expect(config.notices).toHaveLength(4);
    expect(config.notices.every((line) => line.startsWith("hubs.json: hubs.chat."))).toBe(true);
    expect(config.notices.join("\n")).toMatch(/eventHandlers\[0\]\.auth asks for a managed identity/);
    expect(config.notices.join("\n")).toMatch(/eventListeners is accepted but ignored: .*Event Hubs/);
    expect(config.notices.join("\n")).toMatch(/groupPresenceEvents is accepted but ignored/);
  });

  it("refuses properties the hub resource does not have, naming the allowed ones", () => {
    const error = refusal({ hubs: { chat: { eventHandler: [handler] } } });
    expect(error.source).toBe("hubs.json");
    expect(error.field).toBe("hubs.chat.eventHandler");
    expect(error.message).toContain("allowed: eventHandlers, eventListeners, anonymousConnectPolicy");
    expect(refusal({ hubs: {}, colour: "red" }).field).toBe("colour");
  });

  it.each([
    [
      { hubs: { chat: { eventHandlers: [{ userEventPattern: "*" }] } } },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /is required/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ urlTemplate: "tunnel:///eventhandler" }] } } },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /http:\/\/ or https:\/\//,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ urlTemplate: "/relative/{event}" }] } } },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /not an absolute URL/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ urlTemplate: "http://{hub}.local/x" }] } } },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /host name/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ urlTemplate: "http://h/{user}" }] } } },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /\{user\}.*allowed: \{hub\}, \{event\}/,
    ],
    [
      {
        hubs: {
          chat: {
            eventHandlers: [{ urlTemplate: "{@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/s/)}" }],
          },
        },
      },
      "hubs.chat.eventHandlers[0].urlTemplate",
      /Key Vault/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, userEventPattern: "chat*" }] } } },
      "hubs.chat.eventHandlers[0].userEventPattern",
      /wildcards/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, userEventPattern: "a,,b" }] } } },
      "hubs.chat.eventHandlers[0].userEventPattern",
      /empty name/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, userEventPattern: 7 }] } } },
      "hubs.chat.eventHandlers[0].userEventPattern",
      /"\*", an event name/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, systemEvents: ["connect", "joined"] }] } } },
      "hubs.chat.eventHandlers[0].systemEvents[1]",
      /allowed: connect, connected, disconnected/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, systemEvents: "connect" }] } } },
      "hubs.chat.eventHandlers[0].systemEvents",
      /must be a list/,
    ],
    [
      { hubs: { chat: { eventHandlers: [{ ...handler, auth: { type: "Basic" } }] } } },
      "hubs.chat.eventHandlers[0].auth.type",
      /"None", "ManagedIdentity"/,
    ],
    [
      { hubs: { chat: { anonymousConnectPolicy: "sometimes" } } },
      "hubs.chat.anonymousConnectPolicy",
      /allowed: "allow", "deny"/,
    ],
    [
      { hubs: { chat: { webSocketKeepAliveIntervalInSeconds: 0 } } },
      "hubs.chat.webSocketKeepAliveIntervalInSeconds",
      /1 to 120/,
    ],
    [
      { hubs: { chat: { webSocketKeepAliveIntervalInSeconds: 121 } } },
      "hubs.chat.webSocketKeepAliveIntervalInSeconds",
      /1 to 120/,
    ],
    [{ hubs: { "9lives": {} } }, 'hubs["9lives"]', /not a valid hub name/],
    [{ hubs: { chat: {}, CHAT: {} } }, "hubs.CHAT", /same hub as "chat"/],
    [{ hubs: { chat: { eventHandlers: {} } } }, "hubs.chat.eventHandlers", /must be a list/],
    [{ hubs: [], port: 1 }, "hubs", /must be an object/],
    [{ hubs: {}, port: 70000 }, "port", /0–65535/],
  ])("refuses %j at %s", (value, field, problem) => {
    const error = refusal(value);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(problem);
    expect(error.message.startsWith(`hubs.json: ${field}: `)).toBe(true);
  });

  it("never repeats a handler URL in a refusal (it may carry ?code=)", () => {
    const error = refusal({ hubs: { chat: { eventHandlers: [{ urlTemplate: "ftp://h/x?code=s3cret" }] } } });
    expect(error.message).not.toContain("s3cret");
  });

  it("refuses an object of neither shape, naming both", () => {
    expect(refusal({ Hubs2: {} }).message).toMatch(/neither "hubs" nor "WebPubSub"/);
    expect(refusal([]).message).toMatch(/must be a JSON object/);
    expect(refusal({ hubs: {}, WebPubSub: {} }).message).toMatch(/both "hubs" and "WebPubSub"/);
  });
});

describe("Microsoft's emulator's appsettings.json", () => {
  const appSettings = {
    Logging: { LogLevel: { Default: "Information" } },
    Urls: "http://localhost:8090",
    WebPubSub: {
      AccessKey: "custom-emulator-access-key-1234567890",
      Hubs: {
        getting_started: {
          EventHandlers: [
            { UrlTemplate: "http://127.0.0.1:8080/eventhandler", SystemEvents: ["connected"], EventPattern: "message" },
          ],
        },
      },
    },
  };

  it("reads its hubs, access key and listening URL", () => {
    const config = resolveConfig(appSettings, "appsettings.json");
    const hub = config.hubs.get("getting_started");
    expect(hub?.handlers).toEqual([
      {
        urlTemplate: "http://127.0.0.1:8080/eventhandler",
        userEvents: new Set(["message"]),
        systemEvents: new Set(["connected"]),
      },
    ]);
    expect(config).toMatchObject({ port: 8090, host: "127.0.0.1", accessKey: appSettings.WebPubSub.AccessKey });
    expect(config.notices).toEqual([]);
  });

  it("matches keys case-insensitively and takes environment-style numbered lists, as ASP.NET does", () => {
    const config = resolveConfig(
      {
        webpubsub: {
          hubs: { chat: { eventhandlers: { "1": { urltemplate: "http://b/" }, "0": { urltemplate: "http://a/" } } } },
        },
      },
      "appsettings.json",
    );
    expect(config.hubs.get("chat")?.handlers.map((h) => h.urlTemplate)).toEqual(["http://a/", "http://b/"]);
  });

  it("notes keys it does not know instead of refusing them (ASP.NET ignores them)", () => {
    const config = resolveConfig(
      {
        WebPubSub: {
          AllowUnvalidatedEntraTokens: true,
          Hubs: { chat: { EventHandlers: [{ UrlTemplate: "http://a/", Retries: 3 }], EventListeners: [{}] } },
        },
        Urls: "http://+:8080;http://localhost:9000",
      },
      "appsettings.json",
    );
    expect(config.host).toBe("0.0.0.0");
    expect(config.notices).toEqual([
      "appsettings.json: WebPubSub.AllowUnvalidatedEntraTokens is accepted but ignored: the emulator accepts access-key tokens only",
      "appsettings.json: WebPubSub.Hubs.chat.EventListeners is accepted but ignored: the emulator forwards no events to Event Hubs",
      "appsettings.json: WebPubSub.Hubs.chat.EventHandlers[0].Retries is not a setting the emulator knows; ignored",
      "appsettings.json: Urls lists several URLs; the emulator listens on the first",
    ]);
  });

  it("still refuses values the emulator cannot use, naming the field", () => {
    const bad = {
      WebPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: "http://a/", EventPattern: "a*" }] } } },
    };
    expect(refusal(bad).field).toBe("WebPubSub.Hubs.chat.EventHandlers[0].EventPattern");
    expect(refusal({ WebPubSub: {}, Urls: "https://localhost:8443" }).message).toMatch(/plain HTTP/);
  });
});

describe("files", () => {
  it("allow comments and trailing commas (ASP.NET and ARM JSON both do)", () => {
    const text = `// hub settings\n{\n  "hubs": { /* one hub */ "chat": { "eventHandlers": [ { "urlTemplate": "http://a/{event}", }, ], }, },\n}\n`;
    expect(parseConfigText(text, "hubs.json").hubs.get("chat")?.handlers[0]?.urlTemplate).toBe("http://a/{event}");
    expect(parseJsonc('{"a": "// not a comment", "b": "x,]"}')).toEqual({ a: "// not a comment", b: "x,]" });
  });

  it("say where JSON breaks, by line and column", () => {
    expect(() => parseConfigText('{\n  "hubs": {\n    "chat": [}\n}', "/etc/hubs.json")).toThrow(
      /^\/etc\/hubs\.json: is not valid JSON: unexpected "}" at line 3, column 14$/,
    );
  });
});

describe("locating a JSON error", () => {
  const valid = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  it("agrees with JSON.parse on what is valid, for JSON texts and their mutations", () => {
    const texts = fc.oneof(
      fc.json(),
      fc
        .tuple(fc.json(), fc.nat(), fc.constantFrom("}", "]", ",", ":", '"', "x", "", "\\", "1e"))
        .map(
          ([json, at, insert]) => json.slice(0, at % (json.length + 1)) + insert + json.slice(at % (json.length + 1)),
        ),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const offset = jsonErrorOffset(text);
        expect(offset === undefined).toBe(valid(text));
        if (offset !== undefined) expect(offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("matching an event against a hub's handlers", () => {
  const handlers =
    resolveConfig(
      {
        hubs: {
          chat: {
            eventHandlers: [
              { urlTemplate: "http://a/", systemEvents: ["connect"], userEventPattern: "chat,typing" },
              { urlTemplate: "http://b/", systemEvents: ["connect", "connected"], userEventPattern: "*" },
              { urlTemplate: "http://c/", systemEvents: ["disconnected"], userEventPattern: "message" },
            ],
          },
        },
      },
      "x",
    ).hubs.get("chat")?.handlers ?? [];
  it.each([
    ["system", "connect", "http://a/"],
    ["system", "connected", "http://b/"],
    ["system", "disconnected", "http://c/"],
    ["user", "Chat", "http://a/"],
    ["user", "typing", "http://a/"],
    ["user", "message", "http://b/"],
    ["user", "anything", "http://b/"],
  ] as const)("%s event %s goes to %s (the first that matches)", (kind, event, url) => {
    expect(matchHandler(handlers, kind, event)?.urlTemplate).toBe(url);
  });
  it("no handler takes an event none lists", () => {
    expect(matchHandler(handlers.slice(0, 1), "system", "connected")).toBeUndefined();
    expect(matchHandler(handlers.slice(2), "user", "chat")).toBeUndefined();
  });
});

describe("docs/emulator-config.md", () => {
  const examples = codeBlocks("docs/emulator-config.md").filter((b) => b.lang === "json");
  it("has an example of each shape, and both load without a notice", () => {
    expect(examples).toHaveLength(2);
    for (const example of examples) expect(parseConfigText(example.code, "example").notices).toEqual([]);
  });
  it("routes the first example's events as its text says", () => {
    const chat = parseConfigText((examples[0] as { code: string }).code, "example").hubs.get("chat");
    const to = (kind: "system" | "user", event: string) => matchHandler(chat?.handlers ?? [], kind, event)?.urlTemplate;
    expect(to("system", "connect")).toBe("http://localhost:3000/auth/{event}");
    for (const [kind, event] of [
      ["system", "connected"],
      ["system", "disconnected"],
      ["user", "message"],
      ["user", "typing"],
    ] as const)
      expect(to(kind, event)).toBe("http://localhost:3000/chat/{hub}/{event}");
    expect(to("user", "vote")).toBe("http://localhost:4000/audit");
  });
});
