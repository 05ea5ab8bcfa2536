import type { Pipeline, CallOptions } from "../internal/pipeline";
import { checkInteger } from "../internal/validate";
import { isNextLink, parseMemberPage, type WebPubSubGroupMember } from "./page";

/** Options for `group.listConnections()`. */
export interface GroupListConnectionsOptions extends CallOptions {
  /** How many members the service returns per page (1–200). @default the service's choice */
  maxPageSize?: number;
  /** Stop after this many members in all (≥ 1). */
  top?: number;
  /** Resume from a page's `continuationToken`. */
  continuationToken?: string;
}

/** One page of members; `continuationToken` resumes after it (absent on the last page). */
export type MemberPage = WebPubSubGroupMember[] & { continuationToken?: string };

/** Members of a group: `for await` over members, or `byPage()` over pages. Also awaitable, like @azure/web-pubsub's. */
export interface PagedGroupMembers
  extends AsyncIterableIterator<WebPubSubGroupMember>, PromiseLike<PagedGroupMembersIterator> {
  byPage(settings?: { continuationToken?: string; maxPageSize?: number }): AsyncIterableIterator<MemberPage>;
}

/** What awaiting {@link PagedGroupMembers} gives: the same iterator without `then` (so it is not re-awaited). */
export interface PagedGroupMembersIterator extends AsyncIterableIterator<WebPubSubGroupMember> {
  byPage(settings?: { continuationToken?: string; maxPageSize?: number }): AsyncIterableIterator<MemberPage>;
}

export function listGroupMembers(
  pipeline: Pipeline,
  path: string,
  options: GroupListConnectionsOptions | undefined,
): PagedGroupMembers {
  const o = options ?? {};
  if (o.maxPageSize !== undefined) checkInteger(o.maxPageSize, "options.maxPageSize", 1, 200);
  if (o.top !== undefined) checkInteger(o.top, "options.top", 1, Number.MAX_SAFE_INTEGER);

  async function* pages(
    settings: { continuationToken?: string; maxPageSize?: number } = {},
  ): AsyncIterableIterator<MemberPage> {
    const maxPageSize = settings.maxPageSize ?? o.maxPageSize;
    if (maxPageSize !== undefined) checkInteger(maxPageSize, "maxPageSize", 1, 200);
    let token = settings.continuationToken ?? o.continuationToken;
    // A continuation token is either the service's nextLink (absolute, or relative to the endpoint) or its
    // bare continuationToken value.
    let nextLink: string | undefined = token !== undefined && isNextLink(token) ? token : undefined;
    if (nextLink !== undefined) token = undefined;
    for (let first = true; first || nextLink !== undefined; first = false) {
      const query: [string, string][] = [];
      if (maxPageSize !== undefined) query.push(["maxpagesize", String(maxPageSize)]);
      if (o.top !== undefined) query.push(["top", String(o.top)]);
      if (token !== undefined) query.push(["continuationToken", token]);
      const response = await pipeline.request(
        nextLink === undefined
          ? {
              method: "GET",
              path,
              query,
              idempotent: true,
              options: o,
              operation: "WebPubSubGroupClient.listConnections",
            }
          : {
              method: "GET",
              path,
              nextLink,
              idempotent: true,
              options: o,
              operation: "WebPubSubGroupClient.listConnections",
            },
      );
      const parsed = parseMemberPage(response, `GET ${path}`);
      const page: MemberPage = parsed.members;
      nextLink = parsed.nextLink;
      if (nextLink !== undefined) page.continuationToken = nextLink;
      token = undefined;
      yield page;
    }
  }

  async function* members(): AsyncIterableIterator<WebPubSubGroupMember> {
    for await (const page of pages()) yield* page;
  }

  const iterator = members();
  const plain: PagedGroupMembersIterator = {
    next: () => iterator.next(),
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]() {
      return this;
    },
    byPage: (settings) => pages(settings),
  };
  return {
    ...plain,
    [Symbol.asyncIterator]() {
      return this;
    },
    then(onFulfilled, onRejected) {
      return Promise.resolve(plain).then(onFulfilled, onRejected);
    },
  };
}
