// What an idle client (or GenServer) is made of: heap snapshots before and after N of them exist,
// grouped by constructor (or kind, for arrays, closures, strings, V8's internal records), printed
// as count and self size per client. The README's idle-memory breakdown comes from here:
//   node --expose-gc --import tsx bench/heap-breakdown.ts ours|raw|genserver [N] [top] [group]
// (N defaults to 2,000; `ours` and `raw` start their own echo server process). With a group name
// (a row's first column), it also lists the property names of that group's new objects, to tell
// apart the many plain `Object`s and `Array`s.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { setTimeout as sleep } from "node:timers/promises";
import { type Frame, GenServer, Inbox, Parley, type Pid, send } from "../src/index.ts";
import { withEchoServer } from "./echo-process.ts";
import { open as openRaw } from "./raw-ws.ts";

const [kind = "ours", count = "2000", topArg = "40", detail] = process.argv.slice(2);
const n = Number(count);
const top = Number(topArg);
if ((kind !== "ours" && kind !== "raw" && kind !== "genserver") || !(n > 0)) {
  console.error("usage: bench/heap-breakdown.ts ours|raw|genserver [N] [top]");
  process.exit(2);
}

/** A client that only tells its starter it is connected. */
class IdleClient extends Parley<Pid> {
  override handleConnect(done: Pid) {
    send(done, "connected");
    return ["ok", done] as const;
  }
  override handleFrame(_frame: Frame, done: Pid) {
    return ["ok", done] as const;
  }
}

class IdleServer extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
}

const WARMUPS = 50;

/** Per-group totals of one snapshot: key → [count, self bytes]. */
type Groups = Map<string, [number, number]>;

/** The ids of the detailed group's objects in the first snapshot, so the second lists only new ones. */
const detailBefore = new Set<number>();
const dir = mkdtempSync(join(tmpdir(), "parley-heap-"));
const keep: unknown[] = [];
try {
  const diff =
    kind === "genserver"
      ? await measure(async () => {
          await IdleServer.start().then((pid) => GenServer.stop(pid));
        }, async () => {
          for (let i = 0; i < n; i++) keep.push(await IdleServer.start());
        })
      : await withEchoServer((url) =>
          kind === "raw"
            ? measure(() => openRaw(url).then((ws) => ws.terminate()), async () => {
                for (let i = 0; i < n; i++) keep.push(await openRaw(url));
              })
            : measure(() => openOurs(url).then((pid) => Parley.stop(pid)), async () => {
                for (let i = 0; i < n; i++) keep.push(await openOurs(url));
              }),
        );
  print(diff);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

/**
 * Snapshot, make the N objects, snapshot again: the groups' growth. Fifty warm-ups first, so the
 * code V8 compiles for the first few is in both snapshots.
 */
async function measure(warm: () => Promise<unknown>, make: () => Promise<void>): Promise<Groups> {
  for (let i = 0; i < WARMUPS; i++) await warm();
  const before = await snapshot("before");
  await make();
  const after = await snapshot("after");
  const diff: Groups = new Map();
  for (const [key, [c, b]] of after) {
    const [c0, b0] = before.get(key) ?? [0, 0];
    if (c !== c0 || b !== b0) diff.set(key, [c - c0, b - b0]);
  }
  for (const [key, [c0, b0]] of before) if (!after.has(key)) diff.set(key, [-c0, -b0]);
  return diff;
}

async function snapshot(label: string): Promise<Groups> {
  await sleep(500);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const file = writeHeapSnapshot(join(dir, `${label}.heapsnapshot`));
  const parsed = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot;
  rmSync(file);
  if (detail !== undefined) describe(parsed, label === "before");
  return groupNodes(parsed);
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * For the detailed group: each new object's property names and what holds it (the first retainer
 * and the edge's name), counted per distinct description and printed per client.
 */
function describe(s: HeapSnapshot, first: boolean): void {
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = s.snapshot.meta;
  const w = nf.length;
  const ew = ef.length;
  const [typeAt, nameAt, idAt, edgesAt, sizeAt] = ["type", "name", "id", "edge_count", "self_size"].map((f) => nf.indexOf(f)) as [number, number, number, number, number];
  const [eTypeAt, eNameAt, eToAt] = ["type", "name_or_index", "to_node"].map((f) => ef.indexOf(f)) as [number, number, number];
  const keyAt = (i: number): string => keyOf(nt[0][s.nodes[i + typeAt]!]!, s.strings[s.nodes[i + nameAt]!]!);
  const edgeName = (e: number): string => {
    const type = et[0][s.edges[e + eTypeAt]!]!;
    const v = s.edges[e + eNameAt]!;
    return type === "element" || type === "hidden" ? `[${v}]` : s.strings[v]!;
  };
  const props = new Map<number, string[]>();
  const holder = new Map<number, string>();
  const holderAt = new Map<number, number>();
  let e = 0;
  for (let i = 0; i < s.nodes.length; i += w) {
    const isTarget = keyAt(i) === detail && !detailBefore.has(s.nodes[i + idAt]!);
    const names: string[] = [];
    for (let k = 0; k < s.nodes[i + edgesAt]!; k++, e += ew) {
      const type = et[0][s.edges[e + eTypeAt]!]!;
      const to = s.edges[e + eToAt]!;
      if (isTarget && (type === "property" || type === "element" || type === "context")) names.push(edgeName(e));
      if (type !== "weak" && !holder.has(to)) {
        holder.set(to, `${keyAt(i)}.${edgeName(e)}`);
        holderAt.set(to, i);
      }
    }
    if (isTarget) props.set(i, names);
  }
  if (first) {
    for (const i of props.keys()) detailBefore.add(s.nodes[i + idAt]!);
    return;
  }
  const counts = new Map<string, [number, number]>();
  for (const [i, names] of props) {
    const d = `{${names.slice(0, 10).join(",")}${names.length > 10 ? ",…" : ""}} <- ${holder.get(i) ?? "?"} <- ${holder.get(holderAt.get(i) ?? -1) ?? "?"}`;
    const c = counts.get(d) ?? [0, 0];
    c[0]++;
    c[1] += s.nodes[i + sizeAt]!;
    counts.set(d, c);
  }
  console.log(`new ${detail} objects, per ${kind === "genserver" ? "server" : "connection"}: count, bytes, what`);
  for (const [d, [c, b]] of [...counts].sort((a, b) => b[1][1] - a[1][1]).slice(0, 30)) {
    console.log(`${(c / n).toFixed(2).padStart(7)} ${(b / n).toFixed(0).padStart(6)}  ${d}`);
  }
}

/** Groups every node: objects by constructor, closures by function, the rest by V8's kind. */
function groupNodes(s: HeapSnapshot): Groups {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const groups: Groups = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    const name = s.strings[s.nodes[i + nameAt]!]!;
    const key = keyOf(type, name);
    const g = groups.get(key);
    const size = s.nodes[i + sizeAt]!;
    if (g === undefined) groups.set(key, [1, size]);
    else {
      g[0]++;
      g[1] += size;
    }
  }
  return groups;
}

function keyOf(type: string, name: string): string {
  switch (type) {
    case "object":
      return name;
    case "closure":
      return `closure ${name || "(anonymous)"}`;
    case "string":
    case "concatenated string":
    case "sliced string":
      return "(strings)";
    case "number":
      return "(heap numbers)";
    case "code":
      return "(code)";
    default:
      return `(${type}) ${name.slice(0, 40)}`;
  }
}

function print(diff: Groups): void {
  const rows = [...diff].map(([key, [c, b]]) => ({ key, count: c / n, bytes: b / n })).sort((a, b) => b.bytes - a.bytes);
  // Node's native objects (synthetic, native) are outside V8's heap, and compiled code is the
  // same whatever N: neither is in heapUsed's growth per client.
  const outside = (key: string): boolean => key.startsWith("(synthetic)") || key.startsWith("(native)") || key === "(code)";
  const total = rows.reduce((sum, r) => (outside(r.key) ? sum : sum + r.bytes), 0);
  console.log(`${kind}: ${n} idle, self sizes per ${kind === "genserver" ? "server" : "connection"} (snapshot after − before)`);
  console.log(`${"group".padEnd(48)} ${"count".padStart(7)} ${"bytes".padStart(8)}`);
  for (const r of rows.slice(0, top)) {
    if (Math.abs(r.bytes) < 1) continue;
    console.log(`${r.key.padEnd(48)} ${r.count.toFixed(2).padStart(7)} ${r.bytes.toFixed(0).padStart(8)}`);
  }
  console.log(`${"total in V8's heap, code aside".padEnd(48)} ${"".padStart(7)} ${total.toFixed(0).padStart(8)}`);
}

async function openOurs(url: string): Promise<Pid> {
  const inbox = new Inbox();
  try {
    const pid = await IdleClient.start(inbox.pid, { url });
    await inbox.receive((m) => (m === "connected" ? m : undefined), 10_000);
    return pid;
  } finally {
    inbox.close();
  }
}

