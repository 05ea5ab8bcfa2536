// webpubsub/express: Express middleware over the framework-agnostic handler core, plus a negotiate route.
// Only types come from "express", so loading this entry never loads Express itself.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { WebPubSubEventHandler as CoreEventHandler } from "../handler/WebPubSubEventHandler";
import { checkNegotiate, negotiateUrl, type NegotiateClient, type NegotiateOptions } from "../handler/negotiate";

export * from "../handler/publicTypes";
/**
 * The framework-agnostic handler this entry's `WebPubSubEventHandler` extends (`handleRequest`,
 * `handleNodeRequest`).
 */
export { CoreEventHandler as WebPubSubEventHandlerBase };

/**
 * Drop-in for `@azure/web-pubsub-express`'s `WebPubSubEventHandler`, with `ce-signature` verification.
 * Serves `path` (default `/api/webpubsub/hubs/{hub}/`); other requests go to the next route. Works with or
 * without body parsers installed before it.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler("chat", {
 *   accessKeys: [key],
 *   handleConnect: (req, res) => res.success({ groups: ["lobby"] }),
 * });
 * app.use(handler.getMiddleware());
 * ```
 */
export class WebPubSubEventHandler extends CoreEventHandler {
  /** The Express middleware. */
  getMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      void this.handleNodeRequest(req, res, next);
    };
  }
}

/**
 * An Express handler answering `{ url }` for the browser to connect with (a client access token URL).
 *
 * @example
 * ```ts
 * app.get("/negotiate", negotiate(serviceClient, {
 *   getUserId: (req) => req.query.id as string,
 *   roles: ["webpubsub.sendToGroup.chat", "webpubsub.joinLeaveGroup.chat"],
 * }));
 * ```
 */
export function negotiate(client: NegotiateClient, options: NegotiateOptions<Request> = {}): RequestHandler {
  checkNegotiate(client, options);
  return (req: Request, res: Response, next: NextFunction) => {
    negotiateUrl(client, options, req).then(
      (body) => {
        // The URL carries a bearer token: never let a cache keep it.
        res.setHeader("Cache-Control", "no-store");
        res.json(body);
      },
      (error: unknown) => next(error),
    );
  };
}
