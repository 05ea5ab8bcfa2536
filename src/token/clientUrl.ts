import { ValidationError } from "../errors";

/** Which client endpoint a token is for. */
export type ClientProtocol = "default" | "mqtt" | "socketio";

/** Path of the client endpoint for a hub, without a leading slash (as the service and @azure/web-pubsub spell it). */
export function clientPath(hub: string, clientProtocol: ClientProtocol | undefined): string {
  switch (clientProtocol) {
    case undefined:
    case "default":
      return `client/hubs/${hub}`;
    case "mqtt":
      return `clients/mqtt/hubs/${hub}`;
    case "socketio":
      return `clients/socketio/hubs/${hub}`;
    default:
      throw new ValidationError(
        `clientProtocol must be "default", "mqtt" or "socketio", got ${JSON.stringify(clientProtocol)}`,
        { argument: "clientProtocol" },
      );
  }
}

/** `http://` → `ws://`, `https://` → `wss://`. */
export function toWebSocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, "ws$1://");
}
