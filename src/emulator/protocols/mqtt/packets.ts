// mqtt-packet (from the MQTT.js project) parses and writes every packet. It is loaded on the first MQTT
// upgrade only, so neither the SDK nor an emulator without MQTT clients pays for it.
import type { Packet, Parser } from "mqtt-packet";

export type { Packet } from "mqtt-packet";

export interface PacketLibrary {
  parser(this: void, options?: object): Parser;
  generate(this: void, packet: Packet, options?: object): Buffer;
}

let loading: Promise<PacketLibrary> | undefined;

export function loadPacketLibrary(): Promise<PacketLibrary> {
  loading ??= import("mqtt-packet").then((m) => {
    const lib: PacketLibrary = (m as { default?: PacketLibrary }).default ?? m;
    return { parser: lib.parser, generate: lib.generate };
  });
  return loading;
}
