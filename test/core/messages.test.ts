// Validation messages that name the real mistake.
import { AzureKeyCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { ValidationError, WebPubSubServiceClient } from "../../src/index";

const cs = "Endpoint=http://127.0.0.1:9;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("nothing was thrown");
}

describe("validation messages", () => {
  it("a constructor without a hub says the hub is missing, not that the credential is bad", () => {
    const Client = WebPubSubServiceClient as unknown as new (...args: unknown[]) => WebPubSubServiceClient;
    for (const args of [[cs], [cs, undefined], ["http://127.0.0.1:9", new AzureKeyCredential("k")]]) {
      const error = thrown(() => new Client(...args));
      expect(error.argument).toBe("hubName");
      expect(error.message).toMatch(/^hubName is missing/);
      expect(error.message).not.toMatch(/credential must/);
    }
  });

  it('says "undefined", never "a undefined"', async () => {
    const client = new WebPubSubServiceClient(cs, "hub");
    const error = (await client.sendToAll(undefined as never).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^The message cannot be undefined: /);
    const text = (await client.sendToAll(undefined as never, { contentType: "text/plain" }).catch((e: unknown) => e)) as Error;
    expect(text.message).toMatch(/must be a string, got undefined\.$/);
    for (const message of [error.message, text.message]) expect(message).not.toMatch(/\ba undefined\b/);
    await client.close();
  });
});
