// What the distribution tests share: Pids and Refs reported by a node process arrive as tokens
// (see test/helpers/node-process.ts); in a test process that is itself a node they become real.
import { pidFromWire, pidToWire, refFromWire } from "../../src/dist/remote-pids.ts";
import type { Pid, Ref } from "../../src/runtime/process/pid.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";

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

/**
 * Resolves once everything this node sent to `node` so far has been handled there: a call to a
 * name nobody holds goes over the same connection, after it, and comes back (as NoProcError).
 * Use it before driving `node` over IPC, which would otherwise overtake what NATS still carries.
 */
export async function synced(node: string): Promise<void> {
  await GenServer.call({ name: "$sync-nobody", node }, 0).catch(() => undefined);
}
