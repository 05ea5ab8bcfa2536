// 2. Client access tokens: serial latency and throughput (256 in flight), webpubsub vs @azure/web-pubsub
// vs a raw node:crypto HMAC-SHA256 JWT floor.
import { createHmac } from "node:crypto";
import {
  ACCESS_KEY,
  HUB,
  connectionStringFor,
  fmt,
  importAzure,
  importWebpubsub,
  median,
  ratio,
  table,
} from "./util.mjs";

export const name = "tokens";
export const title = "Client access tokens (getClientAccessToken)";

const b64url = (s) => Buffer.from(s).toString("base64url");

export async function run({ quick, log }) {
  const cs = connectionStringFor(8080);
  const endpoint = "http://127.0.0.1:8080";
  const { WebPubSubServiceClient } = await importWebpubsub();
  const Azure = (await importAzure()).WebPubSubServiceClient;
  const wps = new WebPubSubServiceClient(cs, HUB);
  const azure = new Azure(cs, HUB, { allowInsecureConnection: true });
  const opts = { userId: "user-1", roles: ["webpubsub.sendToGroup", "webpubsub.joinLeaveGroup"] };

  // Floor: what a token minimally costs — header.payload base64url + HMAC-SHA256, same claims.
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const aud = `${endpoint}/client/hubs/${HUB}`;
  const floorToken = async ({ userId, roles }) => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = b64url(JSON.stringify({ aud, iat, exp: iat + 3600, sub: userId, role: roles }));
    const data = `${header}.${payload}`;
    const token = `${data}.${createHmac("sha256", ACCESS_KEY).update(data).digest("base64url")}`;
    return {
      token,
      baseUrl: `ws://127.0.0.1:8080/client/hubs/${HUB}`,
      url: `ws://127.0.0.1:8080/client/hubs/${HUB}?access_token=${token}`,
    };
  };

  const contenders = {
    floor: () => floorToken(opts),
    webpubsub: () => wps.getClientAccessToken(opts),
    azure: () => azure.getClientAccessToken(opts),
  };
  // sanity: all produce a 3-part JWT
  for (const [k, f] of Object.entries(contenders)) {
    const t = await f();
    if (!t?.token || t.token.split(".").length !== 3) throw new Error(`${k} did not return a JWT`);
  }

  const serialN = quick ? 500 : 2000;
  const parallelN = quick ? 5000 : 20000;
  const rounds = quick ? 1 : 3;
  const serial = async (f) => {
    const lat = new Array(serialN);
    for (let i = 0; i < serialN; i++) {
      const t0 = process.hrtime.bigint();
      await f();
      lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
    return median(lat);
  };
  const parallel = async (f) => {
    let next = 0;
    const worker = async () => {
      while (next < parallelN) {
        next++;
        await f();
      }
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 256 }, worker));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { rate: (parallelN * 1000) / ms, cpu: (cpu.user + cpu.system) / parallelN };
  };

  const names = Object.keys(contenders);
  for (const k of names) for (let i = 0; i < 500; i++) await contenders[k](); // warm-up
  const res = Object.fromEntries(names.map((k) => [k, { lat: [], rate: [], cpu: [] }]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const k of order) {
      res[k].lat.push(await serial(contenders[k]));
      const p = await parallel(contenders[k]);
      res[k].rate.push(p.rate);
      res[k].cpu.push(p.cpu);
    }
  }
  const m = Object.fromEntries(
    names.map((k) => [k, { lat: median(res[k].lat), rate: median(res[k].rate), cpu: median(res[k].cpu) }]),
  );
  log(
    `  serial µs: floor ${fmt(m.floor.lat, 1)}, webpubsub ${fmt(m.webpubsub.lat, 1)}, @azure/web-pubsub ${fmt(m.azure.lat, 1)}; ` +
      `tokens/s @256: floor ${fmt(m.floor.rate)}, webpubsub ${fmt(m.webpubsub.rate)}, @azure/web-pubsub ${fmt(m.azure.rate)}`,
  );
  const label = { floor: "node:crypto HMAC floor", webpubsub: "webpubsub", azure: "@azure/web-pubsub" };
  const rows = names.map((k) => [
    label[k],
    fmt(m[k].lat, 1),
    fmt(m[k].rate),
    fmt(m[k].cpu, 1),
    k === "webpubsub" ? "1.00×" : ratio(m[k].lat, m.webpubsub.lat),
    k === "webpubsub" ? "1.00×" : ratio(m.webpubsub.rate, m[k].rate),
  ]);
  return {
    tables: [
      {
        title: `Token generation (serial: median of ${fmt(serialN)} calls; parallel: ${fmt(parallelN)} tokens, 256 in flight; median of ${rounds} round${rounds > 1 ? "s" : ""})`,
        markdown: table(
          [
            "contender",
            "serial latency µs",
            "tokens/s @256",
            "CPU µs/token",
            "latency vs webpubsub",
            "webpubsub speed-up (tokens/s)",
          ],
          rows,
        ),
      },
      {
        title: "Ratios",
        markdown: table(
          ["ratio", "value"],
          [
            ["@azure/web-pubsub latency / webpubsub latency", ratio(m.azure.lat, m.webpubsub.lat)],
            ["webpubsub tokens/s / @azure/web-pubsub tokens/s", ratio(m.webpubsub.rate, m.azure.rate)],
            ["webpubsub latency / floor latency (overhead over raw HMAC)", ratio(m.webpubsub.lat, m.floor.lat)],
            ["webpubsub tokens/s / floor tokens/s", ratio(m.webpubsub.rate, m.floor.rate)],
          ],
        ),
      },
    ],
    notes: [
      "Same options for all: userId + 2 roles, default 60 min expiry. The floor signs the same claims with node:crypto createHmac.",
    ],
  };
}
