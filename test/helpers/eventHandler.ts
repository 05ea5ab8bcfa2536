// A real event handler on loopback for the emulator's upstream tests: it passes abuse protection, records
// every CloudEvent it receives, accepts connects and answers user events with its own name.
import { startRecordingServer, type RecordedRequest } from "./recordingServer";

export interface ReceivedEvent {
  /** `ce-eventName`, e.g. `connect` or a user event's name. */
  event: string;
  type: string;
  hub: string;
  connectionId: string;
  path: string;
  url: string;
  body: string;
}

export async function startEventHandler(name: string, options: { connectReply?: object } = {}) {
  const server = await startRecordingServer((request, res) => {
    if (request.method === "OPTIONS") {
      res.setHeader("webhook-allowed-origin", "*");
      res.end();
      return;
    }
    const type = String(request.headers["ce-type"] ?? "");
    if (type === "azure.webpubsub.sys.connect" && options.connectReply !== undefined) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(options.connectReply));
    } else if (type.startsWith("azure.webpubsub.user.")) {
      res.setHeader("content-type", "text/plain");
      res.end(`${name} took ${String(request.headers["ce-eventname"])}`);
    } else {
      res.statusCode = 204;
      res.end();
    }
  });
  const asEvent = (r: RecordedRequest): ReceivedEvent => ({
    event: String(r.headers["ce-eventname"]),
    type: String(r.headers["ce-type"]),
    hub: String(r.headers["ce-hub"]),
    connectionId: String(r.headers["ce-connectionid"]),
    path: r.path,
    url: r.url,
    body: r.body.toString("utf8"),
  });
  return {
    ...server,
    name,
    /** The CloudEvents received (abuse-protection OPTIONS left out). */
    events: (): ReceivedEvent[] => server.requests.filter((r) => r.method === "POST").map(asEvent),
    /** The paths abuse protection asked about. */
    validations: (): string[] => server.requests.filter((r) => r.method === "OPTIONS").map((r) => r.path),
  };
}

export type EventHandlerServer = Awaited<ReturnType<typeof startEventHandler>>;
