/**
 * What travels on the Observer's WebSocket, as JSON: the server's messages to the page and the
 * page's action requests. Every string a user value became went through `forPage` first. The page
 * (assets/observer/observer.js) reads exactly these shapes.
 */

/** One process, as the processes table and the process page show it. */
export interface ProcessRow {
  readonly pid: string;
  readonly name: string | null;
  /** The behaviour's class; null for a plain process. */
  readonly module: string | null;
  readonly kind: "process" | "gen_server" | "gen_statem" | "supervisor" | "client";
  /** A state machine's state (a client's connection state); null otherwise. */
  readonly state: string | null;
  /** `waiting` for a message, `running` a callback or body, or `suspended` by `sys.suspend`. */
  readonly status: "waiting" | "running" | "suspended";
  readonly mailbox: number;
  /** Messages handled per second over the last second; null for a plain process (not counted). */
  readonly rate: number | null;
  /** The callback running now or, when waiting, the last one; null for a plain process. */
  readonly callback: string | null;
  /**
   * How long `callback` has been running (while `running`) or ran (else), as seen by the 4-a-second
   * sampler; null when it ran between two samples (under 250 ms).
   */
  readonly callbackMs: number | null;
  readonly tracing: boolean;
  readonly trapExit: boolean;
  readonly links: readonly string[];
  readonly monitors: readonly string[];
  readonly monitoredBy: readonly string[];
}

/** One child in a supervision tree. */
export interface ChildRow {
  readonly id: string | null;
  readonly pid: string | null;
  readonly state: "running" | "restarting" | "terminated";
  readonly type: "worker" | "supervisor";
  readonly restart: "permanent" | "transient" | "temporary";
}

/** One supervisor; the page nests a supervisor under the supervisor that lists it as a child. */
export interface SupervisorRow {
  readonly pid: string;
  readonly name: string | null;
  readonly module: string;
  readonly strategy: string;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  /** Restarts within the last `maxSeconds`. */
  readonly restarts: number;
  readonly children: readonly ChildRow[];
}

/** One WebSocket client (Parley). */
export interface ClientRow {
  readonly pid: string;
  readonly name: string | null;
  readonly module: string;
  /** Redacted as `Parley.status` shows it. */
  readonly url: string;
  readonly state: string;
  readonly attempt: number;
  readonly queued: number;
  /** Frames per second over the last second, and the recent history of each rate (oldest first). */
  readonly inRate: number;
  readonly outRate: number;
  readonly inHistory: readonly number[];
  readonly outHistory: readonly number[];
  readonly lastDisconnect: string | null;
}

/** One telemetry event. */
export interface FeedEvent {
  readonly seq: number;
  /** `Date.now()` when it was published. */
  readonly at: number;
  /** The `parley:*` channel, or `observer:action` for what was done from the page. */
  readonly channel: string;
  readonly text: string;
}

/** The nodes panel: a provider's answer, its failure, or null when distribution is off. */
export type NodesRow =
  | { readonly self: string; readonly nodes: readonly { readonly name: string; readonly state: string; readonly detail: string }[]; readonly globalNames: readonly (readonly [string, string])[]; readonly error: null }
  | { readonly self: null; readonly nodes: readonly []; readonly globalNames: readonly []; readonly error: string };

/** A live view, sent at most 4 times a second. */
export interface Update {
  readonly type: "update";
  readonly at: number;
  /** Every live process; `processes` holds at most the sampler's limit, largest mailboxes first when cut. */
  readonly processCount: number;
  readonly processes: readonly ProcessRow[];
  readonly supervisors: readonly SupervisorRow[];
  readonly clients: readonly ClientRow[];
  readonly names: { readonly registered: readonly (readonly [string, string])[]; readonly global: readonly (readonly [string, string])[] };
  readonly nodes: NodesRow | null;
  /** Telemetry published since the previous update. */
  readonly events: readonly FeedEvent[];
}

/** The first message on a new connection. */
export interface Hello {
  readonly type: "hello";
  /** Whether the Observer was started with a token (without one, every action is refused). */
  readonly actions: boolean;
  /** The recent telemetry, oldest first. */
  readonly events: readonly FeedEvent[];
}

/** The answer to one action request. */
export interface ActionResult {
  readonly type: "result";
  readonly id: number;
  readonly ok: boolean;
  readonly message: string;
}

/** What the page may ask for. */
export type ActionName = "kill" | "suspend" | "resume" | "trace" | "connect" | "disconnect";

/** An action request from the page: `{ type: "action", id, token, action, pid, reason?, on? }`. */
export interface ActionRequest {
  readonly id: number;
  readonly token: string;
  readonly action: ActionName;
  readonly pid: string;
  /** The exit reason for `kill` (default `"kill"`, which cannot be trapped). */
  readonly reason: string;
  /** For `trace`: on or off. */
  readonly on: boolean;
}
