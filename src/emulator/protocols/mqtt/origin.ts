import type { QoS } from "mqtt-packet";

/** MQTT 5 PUBLISH properties an MQTT receiver gets as the publisher sent them (topic alias excepted). */
export interface MqttPublishProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
}

/** What travels with a message an MQTT client published (see OutgoingMessage.mqtt). */
export interface MqttOrigin {
  /** The publish QoS; a receiver gets min(this, its granted subscription QoS). */
  qos: QoS;
  /** The publishing session's connection id, for the No Local subscription option. */
  senderId: string;
  properties: MqttPublishProperties | undefined;
  /** When the message expiry interval runs out (epoch ms), if it has one. */
  expiresAt: number | undefined;
}
