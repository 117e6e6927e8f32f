// parley-ts's runtime against nact 7 (an npm actor library) on the same two loops: one-way
// messages (a sender yielding to the event loop every 1,000 sends, a receiver counting them) and
// sequential request/reply. nact's `dispatch` is set against our `send`/`receive` and
// `GenServer.cast`, its `query` against `GenServer.call`. Each pair runs alternately, RUNS times.
import { dispatch, query, type Ref, spawn as nactSpawn, start as nactStart, stop as nactStop } from "nact";
import { GenServer, Inbox, send, spawn, type Pid } from "../src/index.ts";
import { median } from "./raw-ws.ts";
import { calls, messages } from "./runtime.ts";

const ONE_WAY = 200_000;
const CALLS = 50_000;
const RUNS = 3;

export interface NactFigure {
  readonly label: string;
  readonly ours: number;
  readonly nact: number;
  /** The median of the per-pair ratios ours / nact. */
  readonly ratio: number;
}

/** Ours against nact on each loop: msg/s or calls/s. */
export async function runNactComparison(): Promise<NactFigure[]> {
  const system = nactStart();
  try {
    return [
      await paired("one-way: send/receive vs dispatch, msg/s", () => messages(ONE_WAY, 1000), () => nactDispatch(system, ONE_WAY)),
      await paired("one-way: GenServer.cast vs dispatch, msg/s", () => casts(ONE_WAY), () => nactDispatch(system, ONE_WAY)),
      await paired("request/reply: GenServer.call vs query, /s", () => calls(CALLS), () => nactQuery(system, CALLS)),
    ];
  } finally {
    nactStop(system);
  }
}

async function paired(label: string, ours: () => Promise<number>, nact: () => Promise<number>): Promise<NactFigure> {
  await ours();
  await nact();
  const o: number[] = [];
  const p: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await nact();
    const b = await ours();
    p.push(a);
    o.push(b);
    ratios.push(b / a);
  }
  return { label, ours: median(o), nact: median(p), ratio: median(ratios) };
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Counts casts down and tells `done` when none are left. */
class Counter extends GenServer<{ left: number; done: Pid }> {
  override init(state: { left: number; done: Pid }) {
    return ["ok", state] as const;
  }
  override handleCast(_msg: unknown, s: { left: number; done: Pid }) {
    if (--s.left === 0) send(s.done, "done");
    return ["noreply", s] as const;
  }
}

async function casts(n: number): Promise<number> {
  const done = new Inbox();
  const server = await Counter.start({ left: n, done: done.pid });
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) {
      GenServer.cast(server, i);
      if (i % 1000 === 999) await yieldNow();
    }
  });
  await done.receive(undefined, 60_000);
  const rate = n / ((performance.now() - start) / 1000);
  await GenServer.stop(server);
  done.close();
  return rate;
}

type NactSystem = ReturnType<typeof nactStart>;

async function nactDispatch(system: NactSystem, n: number): Promise<number> {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let seen = 0;
  const counter = nactSpawn(system, (state: null, _msg: number) => {
    if (++seen === n) finish();
    return state;
  });
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    dispatch(counter, i);
    if (i % 1000 === 999) await yieldNow();
  }
  await done;
  const rate = n / ((performance.now() - start) / 1000);
  nactStop(counter);
  return rate;
}

async function nactQuery(system: NactSystem, n: number): Promise<number> {
  const echo = nactSpawn(system, (state: null, msg: { readonly i: number; readonly sender: Ref<number> }) => {
    dispatch(msg.sender, msg.i);
    return state;
  });
  const start = performance.now();
  for (let i = 0; i < n; i++) await query(echo, (sender: Ref<number>) => ({ i, sender }), 5_000);
  const rate = n / ((performance.now() - start) / 1000);
  nactStop(echo);
  return rate;
}
