// The one set of MQTT return/reason codes, for both sides: the event handler (where these enums are public,
// re-exported by webpubsub/handler, /express and /fastify) and the emulator's MQTT endpoint. The numeric values
// are the MQTT specifications' (3.1.1 §3.2.2.3 and §3.9.3, 5.0 §2.4, §3.2.2.2 and §3.14.2.1); the public names
// are @azure/web-pubsub-express's so code written against it compiles unchanged. Regular (not const) enums:
// they exist at run time, as there.

/** CONNACK return codes of MQTT 3.1.1 (0 is success and never an event handler's answer). */
export enum MqttV311ConnectReturnCode {
  /** 0x01: the server does not support the client's protocol level. */
  UnacceptableProtocolVersion = 1,
  /** 0x02: the client identifier is not allowed. */
  IdentifierRejected = 2,
  /** 0x03: the MQTT service is unavailable. */
  ServerUnavailable = 3,
  /** 0x04: the user name or password is malformed. */
  BadUsernameOrPassword = 4,
  /** 0x05: the client is not authorized to connect. */
  NotAuthorized = 5,
}

/** CONNACK reason codes of MQTT 5.0 that refuse a connection (all ≥ 0x80). */
export enum MqttV500ConnectReasonCode {
  /** 0x80 */
  UnspecifiedError = 128,
  /** 0x81 */
  MalformedPacket = 129,
  /** 0x82 */
  ProtocolError = 130,
  /** 0x83 */
  ImplementationSpecificError = 131,
  /** 0x84 */
  UnsupportedProtocolVersion = 132,
  /** 0x85 */
  ClientIdentifierNotValid = 133,
  /** 0x86 */
  BadUserNameOrPassword = 134,
  /** 0x87 */
  NotAuthorized = 135,
  /** 0x88 */
  ServerUnavailable = 136,
  /** 0x89 */
  ServerBusy = 137,
  /** 0x8A */
  Banned = 138,
  /** 0x8C */
  BadAuthenticationMethod = 140,
  /** 0x90: the will topic name is not accepted. */
  TopicNameInvalid = 144,
  /** 0x95 */
  PacketTooLarge = 149,
  /** 0x97 */
  QuotaExceeded = 151,
  /** 0x99: the will payload does not match its format indicator. */
  PayloadFormatInvalid = 153,
  /** 0x9A */
  RetainNotSupported = 154,
  /** 0x9B */
  QosNotSupported = 155,
  /** 0x9C: use another server for now. */
  UseAnotherServer = 156,
  /** 0x9D: use another server from now on. */
  ServerMoved = 157,
  /** 0x9F */
  ConnectionRateExceeded = 159,
}

/** DISCONNECT reason codes of MQTT 5.0 (what `disconnected` events report; 3.1.1 clients always give 0). */
export enum MqttDisconnectReasonCode {
  /** 0x00 */
  NormalDisconnection = 0,
  /** 0x04: the client asks for its will message to be published. */
  DisconnectWithWillMessage = 4,
  /** 0x80 */
  UnspecifiedError = 128,
  /** 0x81 */
  MalformedPacket = 129,
  /** 0x82 */
  ProtocolError = 130,
  /** 0x83 */
  ImplementationSpecificError = 131,
  /** 0x87 */
  NotAuthorized = 135,
  /** 0x89 */
  ServerBusy = 137,
  /** 0x8B */
  ServerShuttingDown = 139,
  /** 0x8D: nothing arrived for 1.5 × the keep-alive. */
  KeepAliveTimeout = 141,
  /** 0x8E: another connection with the same client id took over. */
  SessionTakenOver = 142,
  /** 0x8F */
  TopicFilterInvalid = 143,
  /** 0x90 */
  TopicNameInvalid = 144,
  /** 0x93 */
  ReceiveMaximumExceeded = 147,
  /** 0x94 */
  TopicAliasInvalid = 148,
  /** 0x95 */
  PacketTooLarge = 149,
  /** 0x96 */
  MessageRateTooHigh = 150,
  /** 0x97 */
  QuotaExceeded = 151,
  /** 0x98 */
  AdministrativeAction = 152,
  /** 0x99 */
  PayloadFormatInvalid = 153,
  /** 0x9A */
  RetainNotSupported = 154,
  /** 0x9B */
  QosNotSupported = 155,
  /** 0x9C */
  UseAnotherServer = 156,
  /** 0x9D */
  ServerMoved = 157,
  /** 0x9E */
  SharedSubscriptionsNotSupported = 158,
  /** 0x9F */
  ConnectionRateExceeded = 159,
  /** 0xA0 */
  MaximumConnectTime = 160,
  /** 0xA1 */
  SubscriptionIdentifiersNotSupported = 161,
  /** 0xA2 */
  WildcardSubscriptionsNotSupported = 162,
}

/** The codes of SUBACK, UNSUBACK and the like that no public enum above holds (the emulator sends them). */
export enum MqttAckCode {
  /** 0x00: success (MQTT 5.0), or granted QoS 0 in a SUBACK. */
  Success = 0,
  /** 0x11: UNSUBACK of MQTT 5.0 for a topic filter with no subscription. */
  NoSubscriptionExisted = 17,
  /** 0x80: the SUBACK return code of MQTT 3.1.1 for a refused subscription. */
  V311SubscribeFailure = 128,
  /** 0x92: PUBREL/PUBCOMP of MQTT 5.0 for a packet identifier not in use (§3.6.2.1, §3.7.2.1). */
  PacketIdentifierNotFound = 146,
}
