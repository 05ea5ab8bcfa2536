import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { createNegotiateHandler } from "../../src/handler";
import { mintClientAccessToken } from "../../src/token";
import { KEY, listen, webServer, type Listening } from "../helpers/cloudEvents";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("createNegotiateHandler (web standard)", () => {
  it("answers { url } for the request's user with any getClientAccessToken-shaped client", async () => {
    const endpoint = "http://localhost:8080";
    const clients = [
      new AzureClient(`Endpoint=${endpoint};AccessKey=${KEY};Version=1.0;`, "chat"),
      // An edge deployment without the SDK: the token entry wrapped to the same shape.
      {
        getClientAccessToken: (options?: object) =>
          mintClientAccessToken({ endpoint, hub: "chat", accessKey: KEY, ...options }),
      },
    ];
    for (const client of clients) {
      const handle = createNegotiateHandler(client, {
        getUserId: (request) => request.headers.get("x-user") ?? undefined,
        // Async on purpose: the code under test awaits what it returns.
        // eslint-disable-next-line @typescript-eslint/require-await
        groups: async () => ["lobby"],
      });
      const listening = await listen(webServer(handle));
      servers.push(listening);
      const response = await fetch(`${listening.url}/negotiate`, { headers: { "x-user": "carol" } });
      expect(response.headers.get("cache-control")).toBe("no-store");
      const { url } = (await response.json()) as { url: string };
      const { payload } = await jwtVerify(
        new URL(url).searchParams.get("access_token")!,
        new TextEncoder().encode(KEY),
        {
          audience: `${endpoint}/client/hubs/chat`,
        },
      );
      expect(payload.sub).toBe("carol");
      expect(payload["webpubsub.group"]).toEqual(["lobby"]);
    }
  });
});
