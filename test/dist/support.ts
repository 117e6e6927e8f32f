// What the distribution tests share: Pids and Refs reported by a node process arrive as tokens
// (see test/helpers/node-process.ts); in a test process that is itself a node they become real.
import { pidFromWire, pidToWire, refFromWire } from "../../src/dist/remote-pids.ts";
import type { Pid, Ref } from "../../src/runtime/process/pid.ts";

/** The real Pid behind a `{ $pid }` token (the test process must be a started node). */
export function pidOf(token: unknown): Pid {
  return pidFromWire((token as { $pid: unknown }).$pid);
}

/** The real Ref behind a `{ $ref }` token. */
export function refOf(token: unknown): Ref {
  return refFromWire((token as { $ref: unknown }).$ref);
}

/** The `{ $pid }` token of a Pid, to hand to a node process's command. */
export function tokenOf(pid: Pid): unknown {
  return { $pid: pidToWire(pid) };
}

/** Common node options for tests: fast heartbeats. */
export const FAST = { heartbeatMs: 100, nodedownAfterMs: 500 } as const;
