// Built alone into dist/vendor/mqtt-packet.cjs (see tsup.config.ts): mqtt-packet and its CommonJS
// dependencies in one file, loaded by the emulator on its first MQTT connection.
export { generate, parser } from "mqtt-packet";
