// What one MQTT client can make the emulator hold; each limit is named in docs/mqtt.md.

export const mqttLimits = {
  /**
   * Largest MQTT packet accepted (and announced in a 5.0 CONNACK as Maximum Packet Size); larger ones end the
   * connection.
   */
  maxPacketBytes: 1024 * 1024,
  /**
   * Longest client ID in characters. The client ID is the connection ID, which the REST API takes as any
   * non-empty string; MQTT itself allows any UTF-8 without U+0000 up to 65,535 bytes.
   */
  maxClientIdLength: 1024,
  /** Time a new WebSocket has to send CONNECT. */
  connectTimeoutMs: 10_000,
  /** Topic filters in one SUBSCRIBE / UNSUBSCRIBE packet. */
  maxTopicsPerPacket: 100,
  /** Longest topic (the group name limit of the service). */
  maxTopicLength: 1024,
  /** Largest will payload (howto-connect-mqtt-websocket-client: "up to 2,000 bytes"). */
  maxWillPayloadBytes: 2000,
  /**
   * QoS 1/2 messages to a client waiting for its acknowledgement, at most (lower when the client's Receive
   * Maximum is).
   */
  maxInflight: 100,
  /** Messages kept for a session while it is offline or its in-flight window is full; the oldest go first. */
  maxQueued: 1000,
  /** Incoming QoS 2 publishes awaiting PUBREL (the emulator's Receive Maximum, announced in 5.0 CONNACK). */
  receiveMaximum: 100,
  /** MQTT 3.1.1 keep-alive range in seconds (howto-connect-mqtt-websocket-client). */
  keepAliveRange: [1, 180] as const,
} as const;
