// A cluster node in a separate Node process: test/dist/fixtures/node-main.ts run through tsx with an
// IPC channel. The test sends it commands (the fixture's command table) and awaits the events it
// reports (messages its reporter processes receive, telemetry), always with a timeout, never a sleep.
//
// Values cross the IPC channel with Node's "advanced" serialization (structured clone), so Map, Set,
// bigint, Uint8Array and undefined survive. Pids and Refs cross as opaque tokens `{ $pid: wire }` /
// `{ $ref: wire }` that the fixture turns back into the real thing, so a Pid reported by one node can
// be handed to a command on another. Errors cross as `{ $error: { name, message, reason } }`.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach } from "vitest";

/** The fixture every node process runs. */
export const NODE_MAIN = fileURLToPath(new URL("../dist/fixtures/node-main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** How long a node command or an awaited event may take by default. */
export const NODE_WAIT = 5000;

/** How a node process is started: its name and the options its `Node.start` gets. */
export interface NodeProcessOptions {
  /** The broker's URL (from `useNats().url`). */
  readonly url: string;
  /** The cluster namespace (see `uniqueCluster`). */
  readonly cluster: string;
  readonly heartbeatMs?: number;
  readonly nodedownAfterMs?: number;
  /** When false the fixture does not call `Node.start`; the test sends the `start` command. Default true. */
  readonly autostart?: boolean;
  /** Extra environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
}

/** An event the fixture reported: `tag` names its source (a reporter's tag, a telemetry channel). */
export interface NodeEvent {
  readonly tag: string;
  readonly data: unknown;
}

/** A command the fixture answered with an error: the remote error's class name, message and reason. */
export class NodeCommandError extends Error {
  override readonly name = "NodeCommandError";
  constructor(
    readonly command: string,
    readonly remoteName: string,
    readonly remoteMessage: string,
    readonly reason: unknown,
  ) {
    super(`${command}: ${remoteName}: ${remoteMessage}`);
  }
}

/** A running node process. */
export interface NodeProcess {
  /** The node's name as given to `startNode`. */
  readonly name: string;
  /** The OS process. */
  readonly child: ChildProcess;
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Runs a command of the fixture's table; rejects NodeCommandError when it threw, Error on timeout or exit. */
  request<T = unknown>(command: string, args?: readonly unknown[], timeoutMs?: number): Promise<T>;
  /**
   * The first reported event (oldest first, including those already buffered) with this `tag` whose
   * data `match` accepts (returns something other than undefined); that event is consumed.
   * Rejects when none arrives within `timeoutMs` or the process ends.
   */
  next<T = unknown>(tag: string, match?: (data: unknown) => T | undefined, timeoutMs?: number): Promise<T>;
  /** Events received and not yet consumed by `next`. */
  pending(): readonly NodeEvent[];
  /** Sends `signal` (default SIGKILL) and waits until the process has exited (SIGSTOP/SIGCONT: returns at once). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends `stop` (Node.stop, then exit) and waits for the exit; kills it if that takes over `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a node process and resolves once its `Node.start` has resolved (or at once with
 * `autostart: false`). Rejects with the fixture's error when `Node.start` rejects, and when the
 * process exits or stays silent for `timeoutMs`.
 */
export async function startNode(name: string, opts: NodeProcessOptions, timeoutMs = 15_000): Promise<NodeProcess> {
  const child = fork(NODE_MAIN, [], {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      PARLEY_NODE_NAME: name,
      PARLEY_NATS_URL: opts.url,
      PARLEY_CLUSTER: opts.cluster,
      PARLEY_HEARTBEAT_MS: String(opts.heartbeatMs ?? 100),
      PARLEY_NODEDOWN_MS: String(opts.nodedownAfterMs ?? 500),
      PARLEY_NODE_AUTOSTART: opts.autostart === false ? "0" : "1",
      ...opts.env,
    },
  });
  live.add(child);
  const node = new Handle(name, child);
  try {
    await node.ready(timeoutMs);
  } catch (err) {
    await node.kill();
    throw err;
  }
  return node;
}

/**
 * Registers hooks that SIGKILL every node process still running after each test (`perTest`) or
 * after the file (default), so no test leaves a process behind.
 */
export function useNodeProcesses(perTest = false): void {
  const cleanup = async (): Promise<void> => {
    await Promise.all([...live].map((child) => killChild(child, "SIGKILL")));
  };
  if (perTest) afterEach(cleanup);
  else afterAll(cleanup);
}

// Every child this worker forked; killed if the worker exits without stopping them.
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

type FromChild =
  | { readonly kind: "ready"; readonly error?: unknown }
  | { readonly kind: "reply"; readonly id: number; readonly ok: boolean; readonly value: unknown }
  | { readonly kind: "event"; readonly tag: string; readonly data: unknown };

interface Waiter {
  readonly tag: string;
  readonly match: (data: unknown) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

class Handle implements NodeProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #nextId = 1;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; command: string }>();
  readonly #events: NodeEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  #onReady: ((msg: { error?: unknown }) => void) | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on("message", (msg: FromChild) => this.#receive(msg));
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        live.delete(child);
        this.#exit = { code, signal };
        const gone = new Error(`node ${name} exited (${code ?? signal})`);
        for (const pending of this.#replies.values()) pending.reject(gone);
        this.#replies.clear();
        for (const waiter of this.#waiters) waiter.reject(gone);
        this.#waiters.clear();
        this.#onReady?.({ error: gone });
        resolve(this.#exit);
      });
    });
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${this.name} not ready within ${timeoutMs} ms`)), timeoutMs);
      this.#onReady = (msg) => {
        clearTimeout(timer);
        this.#onReady = undefined;
        if (msg.error === undefined) resolve();
        else reject(asError("start", msg.error));
      };
    });
  }

  request<T = unknown>(command: string, args: readonly unknown[] = [], timeoutMs = NODE_WAIT): Promise<T> {
    if (this.#exit !== undefined) return Promise.reject(new Error(`node ${this.name} has exited`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`node ${this.name}: ${command} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#replies.set(id, { command, ...settlers(timer, resolve, reject) });
      this.child.send({ id, command, args });
    });
  }

  next<T = unknown>(tag: string, match: (data: unknown) => T | undefined = (d) => d as T, timeoutMs = NODE_WAIT): Promise<T> {
    for (let i = 0; i < this.#events.length; i++) {
      const event = this.#events[i]!;
      if (event.tag !== tag) continue;
      const hit = match(event.data);
      if (hit !== undefined) {
        this.#events.splice(i, 1);
        return Promise.resolve(hit);
      }
    }
    if (this.#exit !== undefined) return Promise.reject(new Error(`node ${this.name} has exited`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#events.filter((e) => e.tag === tag).map((e) => JSON.stringify(e.data, jsonSafe));
        reject(new Error(`node ${this.name}: no "${tag}" event matched within ${timeoutMs} ms; unmatched: [${seen.join(", ")}]`));
      }, timeoutMs);
      const waiter: Waiter = { tag, match, ...settlers(timer, resolve, reject) };
      this.#waiters.add(waiter);
    });
  }

  pending(): readonly NodeEvent[] {
    return [...this.#events];
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await killChild(this.child, signal);
  }

  async stop(timeoutMs = NODE_WAIT): Promise<void> {
    if (this.#exit !== undefined) return;
    // The fixture exits right after replying, so the reply may be lost to the exit: wait for the exit.
    this.request("stop", [], timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  #receive(msg: FromChild): void {
    switch (msg.kind) {
      case "ready":
        this.#onReady?.(msg);
        return;
      case "reply": {
        const pending = this.#replies.get(msg.id);
        if (pending === undefined) return;
        this.#replies.delete(msg.id);
        if (msg.ok) pending.resolve(msg.value);
        else pending.reject(asError(pending.command, msg.value));
        return;
      }
      case "event":
        for (const waiter of this.#waiters) {
          if (waiter.tag !== msg.tag) continue;
          const hit = waiter.match(msg.data);
          if (hit !== undefined) {
            this.#waiters.delete(waiter);
            waiter.resolve(hit);
            return;
          }
        }
        this.#events.push({ tag: msg.tag, data: msg.data });
        return;
    }
  }
}

function asError(command: string, value: unknown): Error {
  const e = (value as { $error?: { name: string; message: string; reason?: unknown } } | undefined)?.$error;
  if (e !== undefined) return new NodeCommandError(command, e.name, e.message, e.reason);
  return value instanceof Error ? value : new Error(`${command}: ${String(value)}`);
}

function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // SIGSTOP and SIGCONT pause and resume: there is no exit to wait for.
  if (signal === "SIGSTOP" || signal === "SIGCONT") {
    child.kill(signal);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** A promise's resolve and reject, each clearing `timer` (the wait's deadline) first. */
function settlers<T>(timer: NodeJS.Timeout, resolve: (value: T) => void, reject: (err: Error) => void): { resolve: (value: unknown) => void; reject: (err: Error) => void } {
  return {
    resolve: (value) => {
      clearTimeout(timer);
      resolve(value as T);
    },
    reject: (err) => {
      clearTimeout(timer);
      reject(err);
    },
  };
}
