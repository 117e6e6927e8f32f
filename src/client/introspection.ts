/**
 * Read-only introspection of clients, for the Observer: what `Parley.status` tells plus the frame
 * counters and the last disconnect reason, read between two events without a call.
 */
import type { BehaviourProcess } from "../runtime/behaviours/behaviour-process.ts";
import type { ClientData, ConnState } from "./client-data.ts";
import { ClientProcess } from "./client-process.ts";

/** A client as a sampler sees it. */
export interface ClientSample {
  readonly state: ConnState;
  /** Redacted exactly as `Parley.status` shows it. */
  readonly url: string;
  readonly attempt: number;
  readonly queued: number;
  /** Frames received and sent since start: a rate is the difference between two samples. */
  readonly framesIn: number;
  readonly framesOut: number;
  /** The reason of the last lost connection or failed dial; undefined before the first. */
  readonly lastDisconnect: unknown;
}

/** `bp` as a client, or undefined when it is not one. */
export function describeClient(bp: BehaviourProcess): ClientSample | undefined {
  if (!(bp instanceof ClientProcess)) return undefined;
  const data = bp.data as ClientData | undefined;
  if (data === undefined) {
    // Still in the user's init: nothing dialed yet.
    return { state: "connecting", url: bp.url, attempt: 0, queued: 0, framesIn: 0, framesOut: 0, lastDisconnect: undefined };
  }
  return {
    state: bp.state as ConnState,
    url: data.url,
    attempt: data.attempt,
    queued: data.queued,
    framesIn: data.framesIn,
    framesOut: data.framesOut,
    lastDisconnect: data.lastDisconnect,
  };
}
