// webpubsub/fastify: a Fastify plugin over the framework-agnostic handler core, plus a negotiate route.
// Only types come from "fastify", so loading this entry never loads Fastify itself.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { WebPubSubEventHandler as CoreEventHandler } from "../handler/WebPubSubEventHandler";
import { BodyTooLargeError } from "../handler/message";
import { givenPaths } from "../handler/path";
import { checkNegotiate, negotiateUrl, type NegotiateClient, type NegotiateOptions } from "../handler/negotiate";

export * from "../handler/publicTypes";
/**
 * The framework-agnostic handler this entry's `WebPubSubEventHandler` extends (`handleRequest`,
 * `handleNodeRequest`).
 */
export { CoreEventHandler as WebPubSubEventHandlerBase };

function toHeaders(raw: FastifyRequest["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}

function toBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  return new Uint8Array(0);
}

/**
 * The Web PubSub event handler as a Fastify plugin. The plugin is encapsulated: its raw-body parsing does
 * not change how your other routes parse bodies.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler("chat", {
 *   accessKeys: [key],
 *   handleUserEvent: (req, res) => res.success(),
 * });
 * await app.register(handler.getPlugin());
 * ```
 */
export class WebPubSubEventHandler extends CoreEventHandler {
  /**
   * A Fastify plugin serving OPTIONS and POST on `path` (with and without the trailing slash) and every path
   * under it. Fastify matches routes case-sensitively unless the app sets `caseSensitive: false`.
   */
  getPlugin(): FastifyPluginAsync {
    return (instance) => {
      // Signature checks and user events need the body exactly as sent, so read every type as bytes here.
      instance.removeAllContentTypeParsers();
      instance.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        const response = await this.dispatch({
          method: request.method,
          headers: toHeaders(request.headers),
          readBody: (limit) => {
            const bytes = toBytes(request.body);
            return bytes.byteLength > limit ? Promise.reject(new BodyTooLargeError()) : Promise.resolve(bytes);
          },
        });
        if (response === undefined) return reply.callNotFound();
        reply.code(response.status).headers(response.headers);
        if (response.status === 204 || response.body === undefined) return reply.send();
        const body = response.body;
        return reply.send(typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      };
      // The path and everything under it (the service's `/eventhandler/{event}` URL template), as the Express
      // middleware and @azure/web-pubsub-express serve.
      // Both the path as given and as `path` reads it back (lower case), for apps with case-sensitive routes.
      const urls = new Set<string>();
      for (const withSlash of [givenPaths.get(this) ?? this.path, this.path]) {
        for (const url of [withSlash, withSlash.length > 1 ? withSlash.slice(0, -1) : withSlash, `${withSlash}*`]) {
          urls.add(url);
        }
      }
      for (const url of urls) instance.route({ method: ["OPTIONS", "POST"], url, handler });
      return Promise.resolve();
    };
  }
}

/**
 * A Fastify route handler answering `{ url }` for the browser to connect with.
 *
 * @example
 * ```ts
 * app.get("/negotiate", negotiate(serviceClient, { getUserId: (req) => (req.query as { id?: string }).id }));
 * ```
 */
export function negotiate(
  client: NegotiateClient,
  options: NegotiateOptions<FastifyRequest> = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<{ url: string }> {
  checkNegotiate(client, options);
  return async (request, reply) => {
    const body = await negotiateUrl(client, options, request);
    // The URL carries a bearer token: never let a cache keep it.
    void reply.header("cache-control", "no-store");
    return body;
  };
}
