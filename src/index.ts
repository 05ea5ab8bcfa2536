// The public surface of `webpubsub`. Every export is named here; nothing under internal/ is public.
export { WebPubSubServiceClient } from "./client/WebPubSubServiceClient";
export { WebPubSubGroup } from "./client/WebPubSubGroup";
export type {
  WebPubSubServiceClientOptions,
  OperationOptions,
  HubSendToAllOptions,
  HubSendTextToAllOptions,
  HubSendToUserOptions,
  HubSendTextToUserOptions,
  HubSendToConnectionOptions,
  HubSendTextToConnectionOptions,
  HubCloseConnectionOptions,
  HubCloseAllConnectionsOptions,
  HubCloseUserConnectionsOptions,
  HubRemoveUserFromAllGroupsOptions,
  HasConnectionOptions,
  HubHasGroupOptions,
  HubHasUserOptions,
  Permission,
  HubGrantPermissionOptions,
  HubRevokePermissionOptions,
  HubHasPermissionOptions,
  GroupSendToAllOptions,
  GroupSendTextToAllOptions,
  GroupAddConnectionOptions,
  GroupRemoveConnectionOptions,
  GroupAddUserOptions,
  GroupRemoveUserOptions,
  GroupHasUserOptions,
  GroupCloseAllConnectionsOptions,
  HealthCheckOptions,
  JSONTypes,
  RequestBodyType,
  GroupAdminClientOptions,
} from "./client/options";
export type { RequestLogEvent, WebPubSubServiceClientLogOptions } from "./logging";
export type { GenerateClientTokenOptions, ClientTokenResponse, WebPubSubClientProtocol } from "./client/clientToken";
export type { WebPubSubGroupMember } from "./client/page";
export type {
  GroupListConnectionsOptions,
  MemberPage,
  PagedGroupMembers,
  PagedGroupMembersIterator,
} from "./client/listing";
export type { CallOptions } from "./internal/pipeline";
export type { OperationTracingOptions, TracingContext } from "./internal/tracing";
export type { RetryOptions } from "./internal/retry";
export { odata } from "./odata";
export {
  sendMany,
  type BatchMessage,
  type BatchItemResult,
  type BatchProgress,
  type SendManyOptions,
  type SendManyResult,
} from "./batch/sendMany";
export { ServiceUnreachableError } from "./batch/ServiceUnreachableError";
export { parseConnectionString, type ParsedConnectionString } from "./connectionString";
export { AzureKeyCredential } from "./keyCredential";
export type { KeyCredentialLike, TokenCredentialLike, AccessTokenLike } from "./credentials";
export {
  WebPubSubError,
  ValidationError,
  RestError,
  NetworkError,
  TimeoutError,
  AbortError,
  ClosedError,
  type WebPubSubErrorCode,
  type RestErrorDetail,
} from "./errors";
