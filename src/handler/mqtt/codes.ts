// The MQTT codes an event handler may answer with: one set, shared with the emulator (src/internal/mqttCodes.ts).
export {
  MqttDisconnectReasonCode,
  MqttV311ConnectReturnCode,
  MqttV500ConnectReasonCode,
} from "../../internal/mqttCodes";
