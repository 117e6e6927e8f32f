/**
 * One round of sampling: reads the live processes (a few fields each), describes the processes
 * shown, the supervisors and the clients, and turns the counters into rates. Nothing is hooked
 * into message passing: the counters read here are kept whether or not anyone samples.
 */
import { type ClientSample, describeClient } from "../client/introspection.ts";
import { behaviourOf } from "../runtime/behaviours/behaviour-process.ts";
import { liveProcesses, processCount, type BehaviourSample, type ProcessSample, sampleProcess } from "../runtime/introspection.ts";
import { Global } from "../runtime/names/global.ts";
import { registered, whereis } from "../runtime/names/names.ts";
import type { Proc } from "../runtime/process/process.ts";
import { describeSupervisor, isSupervisor, type SupervisorSample } from "../supervisor/introspection.ts";
import type { NodesProvider } from "./nodes.ts";
import { Rates } from "./rates.ts";
import { forPage, nameForPage } from "./redaction.ts";
import type { ChildRow, ClientRow, NodesRow, ProcessRow, SupervisorRow, Update } from "./wire.ts";

/** What the sampler remembers of a behaviour's callback from one round to the next. */
interface Seen {
  /** `handled` and `callback` together tell one invocation from the next. */
  readonly handled: number;
  readonly callback: string;
  readonly busy: boolean;
  /** When the running invocation was first seen. */
  readonly since: number;
  /** How long the invocation has run (or ran) as far as the samples saw; null if never seen running. */
  readonly ms: number | null;
}

/** Samples the runtime for the Observer; one instance per Observer. */
export class Sampler {
  readonly #rates = new Rates();
  #seen = new Map<string, Seen>();

  constructor(
    /** Most processes listed in one update: past it, supervisors first, then the largest mailboxes. */
    readonly limit: number,
    readonly nodes: NodesProvider | undefined,
  ) {}

  /** One update's worth of data, telemetry excluded. */
  sample(nowMs: number): Omit<Update, "events"> {
    this.#rates.beginRound();
    const seen = new Map<string, Seen>();
    const processes: ProcessRow[] = [];
    const supervisors: SupervisorRow[] = [];
    const clients: ClientRow[] = [];
    for (const proc of this.#shown()) {
      const s = sampleProcess(proc);
      const pid = String(s.pid);
      const host = s.behaviour?.host;
      const sup = host === undefined ? undefined : describeSupervisor(host);
      const client = host === undefined ? undefined : describeClient(host);
      const row = this.#processRow(s, pid, nowMs, seen, sup !== undefined ? "supervisor" : client !== undefined ? "client" : undefined);
      processes.push(row);
      if (sup !== undefined) supervisors.push(supervisorRow(sup, row));
      if (client !== undefined) clients.push(this.#clientRow(client, row, nowMs));
    }
    this.#seen = seen;
    this.#rates.sweep();
    return {
      type: "update",
      at: Date.now(),
      processCount: processCount(),
      processes,
      supervisors,
      clients,
      names: names(),
      nodes: this.#nodes(),
    };
  }

  /** Every process, or past the limit the supervisors and then the largest mailboxes. */
  #shown(): Proc[] {
    const all = [...liveProcesses()];
    if (all.length <= this.limit) return all;
    const weight = (p: Proc): number => {
      const host = behaviourOf(p);
      return host !== undefined && isSupervisor(host) ? Infinity : p.mailbox.length;
    };
    return all
      .map((p) => [weight(p), p] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, this.limit)
      .map(([, p]) => p);
  }

  #processRow(s: ProcessSample, pid: string, nowMs: number, seen: Map<string, Seen>, kind: "supervisor" | "client" | undefined): ProcessRow {
    const b = s.behaviour;
    const base = {
      pid,
      name: nameForPage(b?.name ?? s.registeredName),
      mailbox: s.mailbox,
      trapExit: s.trapExit,
      links: s.links.map(String),
      monitors: s.monitors.map(String),
      monitoredBy: s.monitoredBy.map(String),
    };
    if (b === undefined) {
      const status = s.waiting ? "waiting" : "running";
      return { ...base, module: null, kind: "process", state: null, status, rate: null, callback: null, callbackMs: null, tracing: false };
    }
    const now = this.#callbackSeen(pid, b, nowMs);
    seen.set(pid, now);
    return {
      ...base,
      module: b.module,
      kind: kind ?? (b.isStateMachine ? "gen_statem" : "gen_server"),
      state: b.isStateMachine ? stateText(b.state) : null,
      status: b.suspended ? "suspended" : b.busy ? "running" : "waiting",
      rate: round(this.#rates.observe(`m ${pid}`, b.handled, nowMs)),
      callback: b.callback,
      callbackMs: now.ms === null ? null : Math.round(now.ms),
      tracing: b.tracing,
    };
  }

  /**
   * The callback's duration as the samples see it. `handled` grows when a message is taken, before
   * its callback runs, so the same count and callback name in two samples is the same invocation:
   * still running if busy, finished (having run at least as long as last seen) if not.
   */
  #callbackSeen(pid: string, b: BehaviourSample, nowMs: number): Seen {
    const before = this.#seen.get(pid);
    const same = before !== undefined && before.handled === b.handled && before.callback === b.callback;
    if (b.busy) {
      const since = same && before.busy ? before.since : nowMs;
      return { handled: b.handled, callback: b.callback, busy: true, since, ms: nowMs - since };
    }
    return { handled: b.handled, callback: b.callback, busy: false, since: nowMs, ms: same ? before.ms : null };
  }

  #clientRow(c: ClientSample, row: ProcessRow, nowMs: number): ClientRow {
    const inKey = `i ${row.pid}`;
    const outKey = `o ${row.pid}`;
    return {
      pid: row.pid,
      name: row.name,
      module: row.module ?? "",
      url: c.url,
      state: c.state,
      attempt: c.attempt,
      queued: c.queued,
      inRate: round(this.#rates.observe(inKey, c.framesIn, nowMs)),
      outRate: round(this.#rates.observe(outKey, c.framesOut, nowMs)),
      inHistory: this.#rates.history(inKey).map(round),
      outHistory: this.#rates.history(outKey).map(round),
      lastDisconnect: c.lastDisconnect === undefined ? null : forPage(c.lastDisconnect),
    };
  }

  #nodes(): NodesRow | null {
    if (this.nodes === undefined) return null;
    try {
      const view = this.nodes();
      return {
        self: String(view.self),
        nodes: view.nodes.map((n) => ({ name: String(n.name), state: String(n.state), detail: n.detail === undefined ? "" : String(n.detail) })),
        globalNames: (view.globalNames ?? []).map(([name, holder]) => [String(name), String(holder)] as const),
        error: null,
      };
    } catch (err) {
      return { self: null, nodes: [], globalNames: [], error: `the nodes provider failed: ${forPage(err)}` };
    }
  }
}

function supervisorRow(sup: SupervisorSample, row: ProcessRow): SupervisorRow {
  const children: ChildRow[] = sup.children.map((c) => ({
    id: c.id === undefined ? null : typeof c.id === "string" ? c.id : forPage(c.id),
    pid: c.pid === undefined || c.pid === "restarting" ? null : String(c.pid),
    state: c.pid === undefined ? "terminated" : c.pid === "restarting" ? "restarting" : "running",
    type: c.type,
    restart: c.restart,
  }));
  const { strategy, maxRestarts, maxSeconds, restarts } = sup;
  return { pid: row.pid, name: row.name, module: row.module ?? "", strategy, maxRestarts, maxSeconds, restarts, children };
}

function names(): Update["names"] {
  const local: Array<readonly [string, string]> = [];
  for (const name of registered()) {
    const pid = whereis(name);
    if (pid !== undefined) local.push([name, String(pid)]);
  }
  const global: Array<readonly [string, string]> = [];
  for (const name of Global.registeredNames()) {
    const pid = Global.whereisName(name);
    if (pid !== undefined) global.push([forPage(name), String(pid)]);
  }
  return { registered: local, global };
}

function stateText(state: unknown): string {
  return typeof state === "string" ? state : forPage(state);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
