// webpubsub/emulator: a local Azure Web PubSub service (REST data plane + WebSocket clients) for
// development and tests. Never loaded by the main entry. This file only names the public exports.
export { startEmulator } from "./start";
export { defaultAccessKey } from "./options";
export type {
  EmulatorConfig,
  EmulatorAppSettings,
  EmulatorAppSettingsHandler,
  HubProperties,
  EventHandlerProperties,
} from "./config/types";
export { EmulatorConfigError } from "./config/error";
export type { EmulatorOptions, ConnectionInfo, Emulator } from "./types";
export type { HubSettings } from "./upstream/client";
export type { ReceivedMessage, DataType } from "./state/messages";
export type {
  EmulatorEvent,
  RestEvent,
  FrameEvent,
  UpstreamEvent,
  ConnectionEvent,
  RefusedEvent,
  GroupEvent,
  FaultEvent,
} from "./liveview/observe";
export type {
  FaultRule,
  FaultTrigger,
  RestFaultRule,
  RefuseFaultRule,
  DropFaultRule,
  DeliveryFaultRule,
  EventHandlerFaultRule,
  RestOperation,
  ActiveFault,
  FaultHandle,
  EmulatorFaults,
} from "./faults/types";
export { FaultRuleError } from "./faults/error";
export { compileFilter, FilterSyntaxError, type FilterSubject, type FilterPredicate } from "./filter/compile";
