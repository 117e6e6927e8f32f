/**
 * Pids and Refs on the wire. A Pid or Ref crosses as `[node, incarnation, id]`; coming back it is
 * interned, so the same process always arrives as the same Pid object and `===` keeps working:
 * - a remote one by its node's incarnation (its `Home`) and id;
 * - one of this node's, as the very object that was sent (a table of exported ones, held weakly).
 * A Pid of an incarnation that is not the live one gets a Home that is down, so it never reaches
 * the processes of a node restarted under the same name.
 */
import { Pid, Ref, type Home } from "../runtime/process/pid.ts";

/** A Pid as it crosses: the node's name, its incarnation and the process's id there. */
export type PidWire = readonly [node: string, incarnation: number, id: number];
/** A Ref as it crosses: the node that made it, its incarnation and the ref's id there. */
export type RefWire = readonly [node: string, incarnation: number, id: number];

/** A node incarnation as Pids and Refs name it: a Home that also knows its incarnation. */
export interface PeerHome extends Home {
  /** Random at the node's start: tells a restarted node from the one before. */
  readonly incarnation: number;
}

/** Names the node and incarnation of a Pid or Ref that is not this node's. */
export type PeerResolver = (node: string, incarnation: number) => PeerHome;

/** A node name: 1 to 64 of `A-Z a-z 0-9 _ - @ .`. */
export const NODE_NAME = /^[A-Za-z0-9_\-@.]{1,64}$/;

/**
 * Makes this node the one whose Pids and Refs cross as `[node, incarnation, id]`, and `resolve`
 * the source of every other node's Home. Called by `Node.start`; `leaveWire` undoes it.
 */
export function joinWire(node: string, incarnation: number, resolve: PeerResolver): void {
  local = { node, incarnation };
  resolvePeer = resolve;
}

/** Forgets this node's identity and every interned remote Pid and Ref (`Node.stop`). */
export function leaveWire(): void {
  local = undefined;
  resolvePeer = undefined;
  remotePids.clear();
  remoteRefs.clear();
}

/** The wire form of `pid`. @throws TypeError when this node is not started (nothing can cross). */
export function pidToWire(pid: Pid): PidWire {
  return toWire(pid, exportedPids);
}

/** The wire form of `ref`. @throws TypeError when this node is not started. */
export function refToWire(ref: Ref): RefWire {
  return toWire(ref, exportedRefs);
}

/**
 * The Pid named by `wire`: this node's own Pid object for one of its processes (a Pid that was
 * never sent out is dead here, as a forged one must be), an interned remote Pid otherwise.
 * @throws TypeError naming the value when `wire` is not `[node, incarnation, id]`.
 */
export function pidFromWire(wire: unknown): Pid {
  return fromWire(wire, "Pid", exportedPids, remotePids, (id, home) => new Pid(id, home));
}

/** The Ref named by `wire`, interned as `pidFromWire` does. @throws TypeError as `pidFromWire`. */
export function refFromWire(wire: unknown): Ref {
  return fromWire(wire, "Ref", exportedRefs, remoteRefs, (id, home) => new Ref(id, home));
}

type Identified = Pid | Ref;

/**
 * Ids to objects, held weakly. Entries whose object was collected are swept whenever the table
 * has doubled since the last sweep: cheaper per entry than a FinalizationRegistry (every call's
 * tag is a new entry), and never more than twice the live entries.
 */
class Interned<T extends Identified> {
  readonly #entries = new Map<number, WeakRef<T>>();
  #sweepAt = SWEEP_FLOOR;

  get(id: number): T | undefined {
    return this.#entries.get(id)?.deref();
  }

  remember(value: T): void {
    this.#entries.set(value.id, new WeakRef(value));
    if (this.#entries.size < this.#sweepAt) return;
    for (const [id, entry] of this.#entries) if (entry.deref() === undefined) this.#entries.delete(id);
    this.#sweepAt = Math.max(SWEEP_FLOOR, this.#entries.size * 2);
  }
}

const SWEEP_FLOOR = 1024;

let local: { readonly node: string; readonly incarnation: number } | undefined;
let resolvePeer: PeerResolver | undefined;

// Weak both ways: a Pid nobody holds any more can never be compared, so it need not stay interned.
const exportedPids = new Interned<Pid>();
const exportedRefs = new Interned<Ref>();
const remotePids = new Map<PeerHome, Interned<Pid>>();
const remoteRefs = new Map<PeerHome, Interned<Ref>>();

function toWire<T extends Identified>(value: T, exported: Interned<T>): PidWire {
  const home = value.home as PeerHome | undefined;
  if (home !== undefined) return [home.node, home.incarnation, value.id];
  if (local === undefined) throw new TypeError(`${String(value)} cannot cross: this node is not started`);
  if (exported.get(value.id) !== value) exported.remember(value);
  return [local.node, local.incarnation, value.id];
}

function fromWire<T extends Identified>(
  wire: unknown,
  kind: string,
  exported: Interned<T>,
  remote: Map<PeerHome, Interned<T>>,
  make: (id: number, home: PeerHome | undefined) => T,
): T {
  if (!isWire(wire)) throw new TypeError(`not a ${kind} on the wire (expected [node, incarnation, id]): ${describe(wire)}`);
  const [node, incarnation, id] = wire;
  if (local === undefined || resolvePeer === undefined) throw new TypeError(`${kind} ${describe(wire)} arrived while this node is not started`);
  if (node === local.node && incarnation === local.incarnation) {
    // A forged or forgotten id gets a fresh object: no process answers to it, so it is dead here.
    return exported.get(id) ?? make(id, undefined);
  }
  const home = resolvePeer(node, incarnation);
  let table = remote.get(home);
  if (table === undefined) remote.set(home, (table = new Interned<T>()));
  const known = table.get(id);
  if (known !== undefined) return known;
  const made = make(id, home);
  table.remember(made);
  return made;
}

function isWire(wire: unknown): wire is PidWire {
  if (!Array.isArray(wire) || wire.length !== 3) return false;
  const [node, incarnation, id] = wire as unknown[];
  return (
    typeof node === "string" &&
    NODE_NAME.test(node) &&
    Number.isSafeInteger(incarnation) &&
    (incarnation as number) > 0 &&
    Number.isSafeInteger(id) &&
    (id as number) > 0
  );
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
