/**
 * `npm run demo`: five supervised WebSocket clients survive a crash of their own and an outage of
 * their server, and prove they missed no tick.
 *
 * The supervision tree (rest_for_one: if the Registry dies, everything after it restarts):
 *
 *   demo_sup (Supervisor, rest_for_one)
 *   ├── Registry "feeds"              the clients' names: { via: [Registry, ["feeds", symbol]] }
 *   ├── Aggregator "aggregator"       GenServer: prices, counters, the sequence check
 *   └── feed_sup (DynamicSupervisor)
 *       ├── FeedClient BTC            Parley client, reconnect { baseDelay: 200, maxDelay: 2000 }
 *       └── ... one per symbol
 *
 * The script: start an embedded market feed on 127.0.0.1, start the tree and one client per symbol,
 * then (at fixed fractions of --duration) kill the ETH client (its supervisor restarts it and it
 * resumes from the aggregator's last seq), then kill the server abruptly and bring it back 1.5 s
 * later (the clients reconnect with backoff and resubscribe from their last seq + 1). It ends with
 * a summary and exit code 0 when every check passed, 1 otherwise.
 *
 * With --observe, the Observer serves a live view of it all (the tree, every process, the clients'
 * rates, the telemetry) and the demo prints its URL, with a fresh token in the fragment so the
 * page can kill a client and watch it come back.
 *
 * Usage: npm run demo [-- --duration 12] [-- --url ws://host:port/path [--symbol BTC]] [-- --observe]
 */
import { randomBytes } from "node:crypto";
import diagnostics_channel from "node:diagnostics_channel";
import { parseArgs } from "node:util";
import { pino } from "pino";
import {
  DynamicSupervisor,
  exit,
  GenServer,
  NoProcError,
  Observer,
  Parley,
  Registry,
  type ReconnectScheduledMessage,
  setLogger,
  Supervisor,
  type SupervisorRestartEvent,
  TimeoutError,
} from "../../src/index.ts";
import { AGGREGATOR, Aggregator, type SymbolStats } from "./aggregator.ts";
import { FEEDS, FeedClient, feedName, feedOptions } from "./feed-client.ts";
import { MarketServer } from "./market-server.ts";
import { type ClientRow, View } from "./view.ts";

const SYMBOLS = ["BTC", "ETH", "SOL", "ADA", "DOT"] as const;
const CRASHED_SYMBOL = "ETH";
const OUTAGE_MS = 1500;
const REFRESH_MS = 200;
/** How long the demo may run past --duration waiting for every client to catch up. */
const SETTLE_GRACE_MS = 15_000;
/** Ticks each client must receive after its latest subscription before the run may end. */
const SETTLE_TICKS = 5;

interface Args {
  readonly durationS: number;
  readonly url: string | undefined;
  readonly symbol: string;
  readonly observe: boolean;
}

const USAGE = `usage: npm run demo -- [--duration SECONDS] [--url ws://host:port/path [--symbol BTC]] [--observe]

  --duration  how long to run, in seconds (default 12, at least 4 with the embedded server)
  --url       point one client at this server instead of starting the embedded market feed
  --symbol    the symbol that client subscribes to (default BTC)
  --observe   serve the Observer on 127.0.0.1 and print its URL (with a token to act from the page)`;

main().catch((err: unknown) => {
  if (process.stdout.isTTY) process.stdout.write("\x1b[?25h");
  console.error("demo failed:", err);
  process.exit(1);
});

async function main(): Promise<void> {
  const args = parseCommandLine();
  if (args === undefined) return;

  const view = new View();
  process.once("exit", () => view.restoreCursor());
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
  });

  // Crash reports and supervisor reports go to the view instead of stderr.
  setLogger(pino({ level: "info" }, { write: (line: string) => view.event(logLine(line)) }));

  // Telemetry: count the retries each client schedules, and show supervisor restarts.
  const retries = new Map<string, number>();
  const onRetry = (msg: unknown) => {
    const symbol = symbolOf((msg as ReconnectScheduledMessage).name);
    if (symbol !== undefined) retries.set(symbol, (retries.get(symbol) ?? 0) + 1);
  };
  const onRestart = (msg: unknown) => {
    view.event(`supervisor restarts a child that exited with ${String((msg as SupervisorRestartEvent).reason)}`);
  };
  diagnostics_channel.subscribe("parley:reconnect:scheduled", onRetry);
  diagnostics_channel.subscribe("parley:supervisor:restart", onRestart);

  const embedded = args.url === undefined;
  const symbols: readonly string[] = embedded ? SYMBOLS : [args.symbol];
  // A port below the ephemeral range: nothing else can be handed it while the server is down.
  const server = embedded ? await MarketServer.start({ symbols, tickMs: 50, portRange: [20_000, 32_000] }) : undefined;
  const url = server?.url ?? args.url!;
  view.event(embedded ? `market feed listening on ${url}` : `using the server at ${url}`);

  await Supervisor.startLink(
    [
      [Registry, { keys: "unique", name: FEEDS }],
      { id: AGGREGATOR, start: () => Aggregator.startLink(symbols, { name: AGGREGATOR }) },
      DynamicSupervisor.childSpec({ name: "feed_sup", maxRestarts: 10, maxSeconds: 5 }),
    ],
    { strategy: "rest_for_one", name: "demo_sup" },
  );
  for (const symbol of symbols) {
    await DynamicSupervisor.startChild("feed_sup", [FeedClient, [symbol, feedOptions(symbol, url)]]);
  }
  view.event(`started ${symbols.length} feed client${symbols.length === 1 ? "" : "s"} under feed_sup`);
  const token = randomBytes(16).toString("hex");
  const observer = args.observe ? await Observer.start({ token }) : undefined;
  // Printed before the view draws, so it stays above the table on a terminal.
  if (observer !== undefined) console.log(`observer on ${observer.url}#token=${token}`);

  // The script, as fractions of the run.
  const duration = args.durationS;
  const crashAt = duration * 0.2;
  const killAt = duration * 0.35;
  const restartAt = killAt + OUTAGE_MS / 1000;
  let crashed = false;
  let killed = false;
  let restarted = false;
  let phase = embedded ? "streaming" : "watching";
  let stats: SymbolStats[] = [];
  let rows: ClientRow[] = [];
  let settled = false;
  const subscriptionsShown = new Map<string, number>();

  for (;;) {
    const t = elapsed();
    if (embedded && !crashed && t >= crashAt) {
      crashed = true;
      const [entry] = Registry.lookup(FEEDS, CRASHED_SYMBOL);
      if (entry !== undefined) {
        exit(entry[0], "kill");
        view.keyEvent(`killed the ${CRASHED_SYMBOL} client (${String(entry[0])}); its supervisor restarts it`);
      }
    }
    if (embedded && !killed && t >= killAt) {
      killed = true;
      phase = "server down";
      await server!.kill();
      view.keyEvent("killed the market server: sockets destroyed, listener closed");
    }
    if (embedded && killed && !restarted && t >= restartAt) {
      restarted = true;
      phase = "server back, clients reconnecting";
      await server!.restart();
      view.keyEvent(`market server back on port ${server!.port}`);
    }

    stats = (await GenServer.call(AGGREGATOR, ["snapshot"])) as SymbolStats[];
    for (const s of stats) {
      for (const r of s.resumes.slice(subscriptionsShown.get(s.symbol) ?? 0)) {
        view.event(`${s.symbol} ${r === s.resumes[0] ? "subscribed" : "resubscribed"} from seq ${r.fromSeq}`);
      }
      subscriptionsShown.set(s.symbol, s.resumes.length);
    }
    rows = await Promise.all(stats.map((s) => rowOf(s, retries.get(s.symbol) ?? 0)));
    settled = isSettled(stats, rows, embedded && restarted);
    if (restarted && settled) phase = "recovered, streaming";
    view.render({ title: `parley-ts demo: ${symbols.length} supervised feed clients on ${url}`, elapsedS: t, durationS: duration, phase, rows });

    if (interrupted) break;
    if (t >= duration && (settled || !embedded)) break;
    if (t >= duration + SETTLE_GRACE_MS / 1000) break;
    await sleep(REFRESH_MS);
  }

  await observer?.close();
  await Supervisor.stop("demo_sup", "shutdown", 10_000);
  diagnostics_channel.unsubscribe("parley:reconnect:scheduled", onRetry);
  diagnostics_channel.unsubscribe("parley:supervisor:restart", onRestart);
  await server?.close();

  const failures = check(stats, { embedded, settled, interrupted });
  view.finish(summary(stats, rows, { elapsedS: elapsed(), failures, embedded }));
  process.exitCode = interrupted ? 130 : failures.length === 0 ? 0 : 1;
  // Anything still holding the event loop open is a bug, but must not hang the demo.
  setTimeout(() => process.exit(), 2000).unref();
}

async function rowOf(s: SymbolStats, retries: number): Promise<ClientRow> {
  let state = "down";
  let attempt = 0;
  try {
    const status = await Parley.status(feedName(s.symbol), 1000);
    state = status.state;
    attempt = status.attempt;
  } catch (err) {
    // No process holds the name (the client is being restarted), or it did not answer in time.
    if (err instanceof TimeoutError) state = "no answer";
    else if (!(err instanceof NoProcError)) throw err;
  }
  return {
    symbol: s.symbol,
    state,
    attempt,
    retries,
    restarts: Math.max(0, s.starts - 1),
    reconnects: s.reconnects,
    frames: s.frames,
    lastSeq: s.lastSeq,
    price: s.price,
    gaps: s.gaps.length,
  };
}

/** Every client is connected and has had a few ticks since its latest subscription (and, after the outage, has reconnected). */
function isSettled(stats: readonly SymbolStats[], rows: readonly ClientRow[], afterOutage: boolean): boolean {
  return stats.every((s, i) => {
    const resumed = s.resumes.length > 0 && s.ticksSinceSubscribe >= SETTLE_TICKS;
    return rows[i]?.state === "connected" && resumed && (!afterOutage || s.reconnects >= 1);
  });
}

function check(stats: readonly SymbolStats[], run: { embedded: boolean; settled: boolean; interrupted: boolean }): string[] {
  const failures: string[] = [];
  if (run.interrupted) failures.push("interrupted");
  for (const s of stats) {
    for (const g of s.gaps) failures.push(`${s.symbol}: expected seq ${g.expected}, got ${g.got}`);
    if (s.duplicates > 0) failures.push(`${s.symbol}: ${s.duplicates} duplicate ticks`);
    for (const r of s.resumes) {
      if (r.firstSeq !== undefined && r.firstSeq !== r.fromSeq) {
        failures.push(`${s.symbol}: subscribed from seq ${r.fromSeq} but the first tick was ${r.firstSeq}`);
      }
    }
    if (s.resumes.length === 0) failures.push(`${s.symbol}: never connected`);
    if (run.embedded && s.ticks === 0) failures.push(`${s.symbol}: no ticks received`);
    if (run.embedded && s.reconnects === 0) failures.push(`${s.symbol}: did not reconnect after the outage`);
    if (run.embedded && s.symbol === CRASHED_SYMBOL && s.starts < 2) failures.push(`${s.symbol}: was not restarted`);
  }
  if (run.embedded && !run.settled && !run.interrupted) {
    failures.push(`the clients had not all caught up ${SETTLE_GRACE_MS / 1000} s after the end`);
  }
  return failures;
}

function summary(
  stats: readonly SymbolStats[],
  rows: readonly ClientRow[],
  run: { elapsedS: number; failures: readonly string[]; embedded: boolean },
): string[] {
  const header = ["symbol", "frames", "ticks", "last seq", "restarts", "reconnects", "resubscribes", "gaps", "min", "max", "last"];
  const table = stats.map((s, i) => [
    s.symbol,
    String(s.frames),
    String(s.ticks),
    String(s.lastSeq),
    String(rows[i]?.restarts ?? 0),
    String(s.reconnects),
    // Every subscription after the first one of the run resumed an interrupted stream.
    String(Math.max(0, s.resumes.length - 1)),
    String(s.gaps.length),
    String(s.min ?? "-"),
    String(s.max ?? "-"),
    String(s.price ?? "-"),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join("  ");
  const frames = stats.reduce((n, s) => n + s.frames, 0);
  const reconnects = stats.reduce((n, s) => n + s.reconnects, 0);
  const restarts = stats.reduce((n, s) => n + Math.max(0, s.starts - 1), 0);
  const resumes = stats.reduce((n, s) => n + Math.max(0, s.resumes.length - 1), 0);
  const out = [`Summary after ${run.elapsedS.toFixed(1)} s`, line(header), ...table.map(line), ""];
  if (resumes > 0 && !run.failures.some((f) => f.includes("seq"))) {
    // Two lines: one would not fit a 120-column terminal.
    out.push(
      `Every subscription continued at the seq it asked for: ${resumes} resubscribe${resumes === 1 ? "" : "s"} checked`,
      `  (${reconnects} after reconnects, ${restarts} after supervisor restarts).`,
    );
  }
  if (run.failures.length === 0) {
    const symbolsText = `${stats.length} symbol${stats.length === 1 ? "" : "s"}`;
    out.push(`OK: ${symbolsText}, ${frames} frames, ${reconnects} reconnects, no gaps`);
  } else {
    out.push(...run.failures.map((f) => `FAIL: ${f}`));
  }
  return out;
}

function parseCommandLine(): Args | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: "string" },
        url: { type: "string" },
        symbol: { type: "string" },
        observe: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const durationS = values.duration === undefined ? 12 : Number(values.duration);
  const embedded = values.url === undefined;
  if (!Number.isFinite(durationS) || durationS <= 0 || (embedded && durationS < 4)) {
    return usageError(`--duration must be a number of seconds${embedded ? " of at least 4" : " above 0"}, got ${values.duration}`);
  }
  if (values.url !== undefined && !/^wss?:\/\//.test(values.url)) {
    return usageError(`--url must start with ws:// or wss://, got ${values.url}`);
  }
  return { durationS, url: values.url, symbol: values.symbol ?? "BTC", observe: values.observe === true };
}

function usageError(message: string): undefined {
  console.error(`${message}\n\n${USAGE}`);
  process.exitCode = 2;
  return undefined;
}

/** The symbol in a feed client's via name, `{ via: [Registry, ["feeds", symbol]] }`. */
function symbolOf(name: unknown): string | undefined {
  const via = (name as { via?: readonly [unknown, unknown] } | undefined)?.via;
  const key = Array.isArray(via) ? via[1] : undefined;
  return Array.isArray(key) && key[0] === FEEDS && typeof key[1] === "string" ? key[1] : undefined;
}

/**
 * A pino JSON line, shortened for the view. A supervisor report for a child the demo killed is an
 * error, as in OTP, and the line says it was expected so it does not alarm.
 */
function logLine(line: string): string {
  try {
    const fields = JSON.parse(line) as { level: number; msg: string; report?: string; registeredName?: string; id?: string; childPid?: string; reason?: string };
    const level = fields.level >= 50 ? "error" : fields.level >= 40 ? "warn" : "info";
    if (fields.report === undefined) return `log ${level}: ${fields.msg}`;
    const expected = fields.report === "child_terminated" && fields.reason === '"killed"' ? " (expected)" : "";
    return `log ${level}: supervisor ${fields.registeredName} ${fields.report}: ${fields.id} ${fields.childPid}, reason ${fields.reason}${expected}`;
  } catch {
    return `log: ${line.trim()}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
