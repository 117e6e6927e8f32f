/**
 * `Node.monitor` and `Node.monitorNodes`: processes that asked to hear of nodes coming and going.
 * As Erlang's `monitor_node/2` and `net_kernel:monitor_nodes/1`: each `monitor(node)` delivers
 * one `["nodedown", node]`; `monitorNodes` delivers `["nodeup", node]` and `["nodedown", node]`
 * for every node until turned off. A process that exits is forgotten.
 */
import { deliver, type Proc } from "../runtime/process/process.ts";

/** `proc` hears once of `node` going down (again for each call), or one such request is taken back. */
export function watchNode(proc: Proc, node: string, on: boolean): void {
  let counts = nodeWatchers.get(proc);
  if (on) {
    if (counts === undefined) {
      nodeWatchers.set(proc, (counts = new Map()));
      proc.onExit(forget);
    }
    counts.set(node, (counts.get(node) ?? 0) + 1);
  } else if (counts !== undefined) {
    const left = (counts.get(node) ?? 0) - 1;
    if (left > 0) counts.set(node, left);
    else counts.delete(node);
  }
}

/** `proc` hears of every node up and down, or stops hearing. */
export function watchNodes(proc: Proc, on: boolean): void {
  if (on) {
    if (!allWatchers.has(proc)) proc.onExit(forget);
    allWatchers.add(proc);
  } else {
    allWatchers.delete(proc);
  }
}

/** Tells the watchers that `node` is up. */
export function nodeUp(node: string): void {
  for (const proc of allWatchers) deliver(proc, ["nodeup", node]);
}

/** Tells the watchers that `node` is down; each `watchNode` request for it is used up. */
export function nodeDown(node: string): void {
  for (const proc of allWatchers) deliver(proc, ["nodedown", node]);
  for (const [proc, counts] of nodeWatchers) {
    const count = counts.get(node);
    if (count === undefined) continue;
    counts.delete(node);
    for (let i = 0; i < count; i++) deliver(proc, ["nodedown", node]);
  }
}

const nodeWatchers = new Map<Proc, Map<string, number>>();
const allWatchers = new Set<Proc>();

function forget(proc: Proc): void {
  nodeWatchers.delete(proc);
  allWatchers.delete(proc);
}
