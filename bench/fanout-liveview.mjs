// Fan-out with the live view's page closed and open, on one emulator: what watching costs.
import { connectAll, openLiveView, sendRounds } from "./ws-clients.mjs";
import { fmt, median, sleep, startChild } from "./util.mjs";

/**
 * One emulator (live view enabled), N clients: fan-out with the page closed and open, alternating
 * `cycles` times so both see the same machine load (the machine is shared; load drifts).
 */
export async function measureLiveView({ n, rounds, cycles, log, makeSend, makeUrl }) {
  const child = await startChild("emulator-proc.mjs", [], { env: { BENCH_UI: "1" } });
  const sender = await makeSend(child);
  try {
    const { sockets, state } = await connectAll(await makeUrl(child), n);
    await sleep(300);
    const label = "live view";
    await sendRounds({ label, sender, state, n, rounds: 1, warmUp: false });
    // Warm-up: the first opening compiles the emulator's feed and state paths; keep that out of the figures.
    const warm = await openLiveView(child.info.liveViewUrl, n);
    await sendRounds({ label, sender, state, n, rounds: 1, warmUp: false });
    await warm.close();
    const closed = [];
    const open = [];
    let events = 0;
    let polls = 0;
    let rssClosed = 0;
    let rssOpen = 0;
    // The emulator's own CPU time over each phase's rounds: far less sensitive to a busy machine than wall time.
    const cpu = async () => (await child.ask("cpu")).cpuUs;
    let cpuClosed = 0;
    let cpuOpen = 0;
    const closedPhase = async () => {
      const c0 = await cpu();
      closed.push(...(await sendRounds({ label, sender, state, n, rounds, warmUp: false })));
      cpuClosed += (await cpu()) - c0;
      rssClosed = Math.max(rssClosed, await child.rss());
    };
    const openPhase = async () => {
      const page = await openLiveView(child.info.liveViewUrl, n);
      await sleep(500);
      const c0 = await cpu();
      open.push(...(await sendRounds({ label, sender, state, n, rounds, warmUp: false })));
      cpuOpen += (await cpu()) - c0;
      rssOpen = Math.max(rssOpen, await child.rss());
      await sleep(200);
      const stats = await page.close();
      events += stats.events;
      polls += stats.polls;
      await sleep(500);
    };
    // Alternate which phase goes first, so neither always follows the other.
    for (let cycle = 0; cycle < cycles; cycle++) {
      if (cycle % 2 === 0) {
        await closedPhase();
        await openPhase();
      } else {
        await openPhase();
        await closedPhase();
      }
    }
    const res = {
      n,
      closedMs: median(closed),
      openMs: median(open),
      closed,
      open,
      events,
      polls,
      rssClosed,
      rssOpen,
      cpuClosedMs: cpuClosed / 1000 / closed.length,
      cpuOpenMs: cpuOpen / 1000 / open.length,
    };
    log(
      `  live view N=${fmt(n)}: fan-out closed ${fmt(res.closedMs, 1)} ms (${closed.map((t) => t.toFixed(0)).join("/")}), ` +
        `open ${fmt(res.openMs, 1)} ms (${open.map((t) => t.toFixed(0)).join("/")}), pages got ${events} events and ${polls} state polls, ` +
        `emulator CPU per send ${fmt(res.cpuClosedMs, 1)} ms closed / ${fmt(res.cpuOpenMs, 1)} ms open`,
    );
    for (const ws of sockets) ws.terminate();
    return res;
  } finally {
    await sender.close();
    await child.close();
  }
}
