// Validates frames against Microsoft's published json.webpubsub.azure.v1 schemas (copied beside this file).
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

type Schema = { $defs: Record<string, Record<string, unknown>> } & Record<string, unknown>;

function load(name: string): Schema {
  return JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8")) as Schema;
}

// Where the published schema contradicts Microsoft's own docs, the docs win, and only there:
// 1. `successAck` sets `additionalProperties: false` inside an `allOf` whose sibling declares `type` and
//    `ackId`, so no success ack (`{"type":"ack","ackId":1,"success":true}`, the docs' own example) could pass.
// 2. `jsonPayload.data` says `type: object`, but the docs' examples send and receive JSON strings, numbers and
//    arrays as `dataType: "json"` data (and Microsoft's client sends `sendToGroup(g, 42, "json")` as is).
// 3. The ack error enum lacks `Duplicate`, which the docs (reference-json-webpubsub-subprotocol) name.
function patched(schema: Schema, kind: "request" | "response"): Schema {
  const defs = schema.$defs;
  delete schema["$schema"];
  delete (defs["jsonPayload"]?.["properties"] as Record<string, Record<string, unknown>>)["data"]?.["type"];
  if (kind === "response") {
    delete defs["successAck"]?.["additionalProperties"];
    const errorName = (
      (defs["errorAck"]?.["properties"] as Record<string, { properties: Record<string, { enum: string[] }> }>)[
        "error"
      ] as { properties: Record<string, { enum: string[] }> }
    ).properties["name"] as { enum: string[] };
    errorName.enum.push("Duplicate");
  }
  return schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const response: ValidateFunction = ajv.compile(patched(load("./webpubsub.v1.response.json"), "response"));
const request: ValidateFunction = ajv.compile({
  ...patched(load("./webpubsub.v1.request.json"), "request"),
  $id: "request",
});

/** Throws with ajv's explanation when `frame` is not a valid service → client frame. */
export function assertResponseFrame(frame: unknown): void {
  // `pong` (the answer to `ping`) is documented in reference-json-webpubsub-subprotocol but not in the schema.
  if (JSON.stringify(frame) === '{"type":"pong"}') return;
  if (!response(frame))
    throw new Error(
      `frame ${JSON.stringify(frame).slice(0, 300)} breaks the response schema: ${ajv.errorsText(response.errors)}`,
    );
}

/** Whether `frame` is a valid client → service frame per the request schema. */
export function isRequestFrame(frame: unknown): boolean {
  return request(frame);
}
