// Supervisor figures: restart latency, and starting (then stopping) 10,000 children under a
// DynamicSupervisor. Run alone with `node --expose-gc --import tsx bench/supervisor.ts` (or
// `npx tsx bench/supervisor.ts`, without the heap figure), or through `npm run bench`.
import { pino } from "pino";
import { exit, GenServer, getLogger, Inbox, type Pid, send, setLogger } from "../src/index.ts";
import { DynamicSupervisor } from "../src/supervisor/dynamic-supervisor.ts";
import { Supervisor } from "../src/supervisor/supervisor.ts";
import { fmt, judged, line, settledHeap } from "./measure.ts";

const RESTARTS = 1_000;
const CHILDREN = 10_000;

/** Tells `report` from init, so the bench sees the moment a (re)started child runs. */
class Announcer extends GenServer<null> {
  override init(report: Pid) {
    send(report, "up");
    return ["ok", null] as const;
  }
}

class Idle extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
}

/** Lines to print, each with its target. */
export async function runSupervisorBench(): Promise<string[]> {
  // Every restart logs a child_terminated report; measure the supervisor, not the log sink.
  const previous = getLogger();
  setLogger(pino({ level: "silent" }));
  try {
    await restartLatency(100);
    const latency = await restartLatency(RESTARTS);
    await startChildren(1_000);
    const start = await startChildren(CHILDREN);
    const heapLine = line(`heap per supervised idle child (${fmt(CHILDREN)})`, start.heapPerChild === undefined ? "n/a (run with --expose-gc)" : `${fmt(start.heapPerChild)} B`, "< 2,048 B");
    return [
      judged(line(`restart latency, one_for_one (median of ${fmt(RESTARTS)})`, `${latency.median.toFixed(1)} µs (p99 ${fmt(latency.p99)} µs)`, "< 100 µs"), latency.median < 100),
      judged(line(`DynamicSupervisor.startChild × ${fmt(CHILDREN)}`, `${fmt(start.totalMs)} ms, ${start.perChildUs.toFixed(1)} µs each`, "< 50 µs per child"), start.perChildUs < 50),
      start.heapPerChild === undefined ? heapLine : judged(heapLine, start.heapPerChild < 2048),
      judged(line(`DynamicSupervisor.stop with ${fmt(CHILDREN)} children`, `${fmt(start.stopMs)} ms`, "< 1,000 ms (stopped in parallel)"), start.stopMs < 1000),
    ];
  } finally {
    setLogger(previous);
  }
}

/**
 * Kills the only child of a one_for_one supervisor, `n` times; each sample runs from the kill to
 * the moment the new child's init ran. µs.
 */
async function restartLatency(n: number): Promise<{ median: number; p99: number }> {
  const inbox = new Inbox();
  const sup = await Supervisor.startLink([{ id: "w", start: () => Announcer.startLink(inbox.pid) }], {
    strategy: "one_for_one",
    maxRestarts: n + 1,
    maxSeconds: 3600,
  });
  await inbox.receive(undefined, 10_000);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const [child] = await Supervisor.whichChildren(sup);
    const t0 = performance.now();
    exit(child!.pid as Pid, "kill");
    await inbox.receive(undefined, 10_000);
    samples.push((performance.now() - t0) * 1000);
  }
  await Supervisor.stop(sup);
  inbox.close();
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(n / 2)]!, p99: samples[Math.floor(n * 0.99)]! };
}

/** Starts `n` idle children one after another under a DynamicSupervisor, then stops it. */
async function startChildren(n: number): Promise<{ totalMs: number; perChildUs: number; heapPerChild: number | undefined; stopMs: number }> {
  const sup = await DynamicSupervisor.startLink();
  const heapBefore = settledHeap();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await DynamicSupervisor.startChild(sup, [Idle, null]);
  const totalMs = performance.now() - t0;
  const heapAfter = settledHeap();
  const t1 = performance.now();
  await DynamicSupervisor.stop(sup);
  const stopMs = performance.now() - t1;
  return {
    totalMs,
    perChildUs: (totalMs * 1000) / n,
    heapPerChild: heapBefore === undefined || heapAfter === undefined ? undefined : (heapAfter - heapBefore) / n,
    stopMs,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runSupervisorBench()) console.log(l);
}
