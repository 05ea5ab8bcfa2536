// MQTT.js clients for the emulator's MQTT tests: connected over WebSocket with URLs our SDK mints.
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from "mqtt";

export interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

/** An MQTT.js client plus a queue of what it received, so tests can await the next message. */
export class TestMqtt {
  readonly received: Received[] = [];
  #waiters: (() => void)[] = [];
  connack: IConnackPacket | undefined;

  constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.received.push({ topic, payload, packet });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  async next(timeoutMs = 3000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no MQTT message arrived in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received.shift() as Received;
  }

  /** Resolves true when nothing arrives within `ms`. */
  async quiet(ms = 300): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.received.length === 0;
  }

  end(force = true): Promise<void> {
    return this.client.endAsync(force);
  }
}

const open: TestMqtt[] = [];

/** Connects MQTT.js (no reconnects, so refusals surface) and waits for CONNACK. */
export function connectMqtt(url: string, options: IClientOptions): Promise<TestMqtt> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, keepalive: 60, ...options });
  // Listening before CONNACK: a resumed session's queued messages arrive right after it.
  const t = new TestMqtt(client);
  open.push(t);
  return new Promise((resolve, reject) => {
    client.once("connect", (connack) => {
      t.connack = connack;
      resolve(t);
    });
    client.once("error", (error) => {
      client.end(true);
      reject(error);
    });
    client.once("close", () => reject(new Error("closed before CONNACK")));
  });
}

/** Connects and resolves with the refusal (MQTT.js rejects with the CONNACK code). */
export async function refusedMqtt(
  url: string,
  options: IClientOptions,
): Promise<{ code: number | undefined; message: string }> {
  try {
    const t = await connectMqtt(url, options);
    await t.end();
  } catch (error) {
    return { code: (error as { code?: number }).code, message: (error as Error).message };
  }
  throw new Error("the connection was accepted");
}

export async function closeAllMqtt(): Promise<void> {
  await Promise.all(open.splice(0).map((t) => t.end().catch(() => {})));
}
