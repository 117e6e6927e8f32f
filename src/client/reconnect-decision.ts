/**
 * What happens after a failed attempt or a lost connection, once `handleDisconnect` has answered:
 * stop, stay down, or retry after a backoff delay. Pure, so every rule of the contract is a
 * property test away.
 */
import { backoffDelay } from "./backoff.ts";
import { DEFAULT_RECONNECT, type ReconnectPolicy } from "./options.ts";

/**
 * The outcome: exit with a reason, exit because the retries are spent (reason
 * `["error", "max_retries_exceeded"]`), stay in `disconnected`, or retry number `attempt` after `delayMs`.
 */
export type Decision =
  | readonly [tag: "stop", reason: unknown]
  | readonly [tag: "exhausted"]
  | readonly [tag: "down"]
  | readonly [tag: "retry", delayMs: number, attempt: number];

/** What the decision depends on besides `handleDisconnect`'s tag. */
export interface DecisionContext {
  /** What `handleDisconnect` was told. */
  readonly reason: unknown;
  /** The number of the dial that failed (0 for the first, or for a lost connection). */
  readonly attempt: number;
  /** The `reconnect` option in force. */
  readonly reconnect: false | ReconnectPolicy;
  /** The close was asked for by `Parley.disconnect()`. */
  readonly local: boolean;
  /** This was the first dial after start. */
  readonly firstDial: boolean;
  /** No HTTP response arrived: refused, DNS, TLS, or a timeout before the upgrade response. */
  readonly unreachable: boolean;
}

/**
 * Applies the contract: `"ok"` follows the `reconnect` option (never after a local disconnect),
 * `"reconnect"` retries even without it (default backoff), `"disconnect"` stays down. Staying down
 * after a first dial that could not reach the server exits with `["error", cause]`; a failure
 * with `attempt >= maxRetries` is `"exhausted"`.
 */
export function decide(tag: "ok" | "reconnect" | "disconnect", ctx: DecisionContext, random: () => number = Math.random): Decision {
  let policy: ReconnectPolicy | false = false;
  if (tag === "reconnect") policy = ctx.reconnect === false ? DEFAULT_RECONNECT : ctx.reconnect;
  else if (tag === "ok" && !ctx.local) policy = ctx.reconnect;
  if (policy === false) {
    if (ctx.firstDial && ctx.unreachable) return ["stop", ["error", causeOf(ctx.reason)]];
    return ["down"];
  }
  if (ctx.attempt >= policy.maxRetries) return ["exhausted"];
  return ["retry", backoffDelay(ctx.attempt, policy.baseDelay, policy.maxDelay, random), ctx.attempt + 1];
}

/** `"connect_timeout"` as it is; the Error of an `["error", err]` reason. */
function causeOf(reason: unknown): unknown {
  return Array.isArray(reason) && reason[0] === "error" ? reason[1] : reason;
}
