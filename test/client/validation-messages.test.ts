// Validation messages that name the real mistake.
import { AzureKeyCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { ValidationError, WebPubSubServiceClient } from "../../src/index";

const cs = "Endpoint=http://127.0.0.1:9;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";

describe("validation messages", () => {
  it("a client built without a hub constructs (as @azure/web-pubsub's does) and every call says the hub is missing", async () => {
    const Client = WebPubSubServiceClient as unknown as new (...args: unknown[]) => WebPubSubServiceClient;
    for (const args of [[cs], [cs, undefined], ["http://127.0.0.1:9", new AzureKeyCredential("k")]]) {
      const client = new Client(...args);
      for (const call of [
        () => client.sendToAll("x"),
        () => client.getClientAccessToken({ userId: "u" }),
        () => client.group("g").addUser("u"),
      ]) {
        const error = (await call().catch((e: unknown) => e)) as ValidationError;
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.argument).toBe("hubName");
        expect(error.message).toMatch(/^hubName is missing/);
        expect(error.message).not.toMatch(/credential must/);
      }
      await client.close();
    }
  });

  it('says "undefined", never "a undefined"', async () => {
    const client = new WebPubSubServiceClient(cs, "hub");
    const error = (await client.sendToAll(undefined as never).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^The message cannot be undefined: /);
    const text = (await client
      .sendToAll(undefined as never, { contentType: "text/plain" })
      .catch((e: unknown) => e)) as Error;
    expect(text.message).toMatch(/must be a string, got undefined\.$/);
    for (const message of [error.message, text.message]) expect(message).not.toMatch(/\ba undefined\b/);
    await client.close();
  });
});
