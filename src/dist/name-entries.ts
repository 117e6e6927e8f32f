/**
 * A global name's entry, as the name table keeps it in its replica and writes it to the bucket:
 * the value is JSON `{ name, pid }` with the Pid's wire form, under the key of the name's
 * structural key (name-keys.ts).
 */
import type { KvEntry } from "@nats-io/kv";
import type { Term } from "../runtime/names/names-types.ts";
import { termKey } from "../runtime/names/term-key.ts";
import type { Pid } from "../runtime/process/pid.ts";
import type { Holder } from "./holder-watch.ts";
import { keyOfTerm } from "./name-keys.ts";
import { pidFromWire, pidToWire, type PidWire } from "./remote-pids.ts";

/** A name in the replica: who holds it and the revision that says so (0 while a local claim is in flight). */
export interface NameEntry extends Holder {
  /** The name's structural key (`termKey`): what the replica is keyed by. */
  readonly term: string;
  /** Its key in the bucket. */
  readonly key: string;
  readonly name: Term;
  readonly pid: Pid;
  /** The holder's wire form; a local holder's changes when this node rejoins as a new incarnation. */
  wire: PidWire;
  revision: number;
}

/** The entry of a claim this node makes for `pid`, not yet in the bucket. */
export function claimEntry(term: string, name: Term, pid: Pid): NameEntry {
  return { term, key: keyOfTerm(term), name, pid, wire: pidToWire(pid), revision: 0 };
}

/** What the bucket holds for `entry`. */
export function entryValue(entry: NameEntry): string {
  return JSON.stringify({ name: entry.name, pid: entry.wire });
}

/**
 * The entry a bucket entry stands for.
 * @throws TypeError when it is not `{ name, pid }`, or its name does not match its key (a peer's forgery).
 */
export function parseEntry(e: KvEntry): NameEntry {
  const value = JSON.parse(e.string()) as { name?: Term; pid?: unknown };
  if (value === null || typeof value !== "object" || !("name" in value)) throw new TypeError("not { name, pid }");
  const name = value.name as Term;
  const term = termKey(name);
  if (keyOfTerm(term) !== e.key) throw new TypeError(`the name ${JSON.stringify(name)} does not match the key`);
  const pid = pidFromWire(value.pid);
  return { term, key: e.key, name, pid, wire: value.pid as PidWire, revision: e.revision };
}
