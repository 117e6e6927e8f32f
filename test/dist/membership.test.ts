// Membership as a table: which incarnations are up, which are fenced, and what a hostile peer
// naming endless fake incarnations costs. Pure bookkeeping; the broker-level behaviour is in
// node.test.ts and faults.test.ts.
import { describe, expect, it } from "vitest";
import { type DownReason, MAX_DOWN, Membership } from "../../src/dist/membership.ts";
import type { Peer } from "../../src/dist/peer.ts";

/** A membership of node "self" that records its up and down events. */
function membership(): { m: Membership; events: Array<[string, string, number, DownReason?]> } {
  const events: Array<[string, string, number, DownReason?]> = [];
  const m = new Membership("self", 5_000, (node, inc) => `n.${node}.${inc}`, () => undefined, {
    up: (p: Peer) => void events.push(["up", p.node, p.incarnation]),
    down: (p: Peer, reason: DownReason) => void events.push(["down", p.node, p.incarnation, reason]),
  });
  return { m, events };
}

describe("Membership", () => {
  it("a new incarnation of a name restarts the old one, which stays fenced", () => {
    const { m, events } = membership();
    expect(m.heard("a", 1)?.state).toBe("up");
    expect(m.heard("a", 2)?.state).toBe("up");
    expect(m.heard("a", 1)).toBeUndefined();
    expect(m.list()).toEqual(["a"]);
    expect(events).toEqual([
      ["up", "a", 1],
      ["down", "a", 1, "restarted"],
      ["up", "a", 2],
    ]);
  });

  it("keeps fencing the latest down incarnations while a hostile peer names endless new ones, in bounded memory", () => {
    const { m } = membership();
    const count = MAX_DOWN * 3;
    for (let inc = 1; inc <= count; inc++) m.heard("evil", inc);
    // Every incarnation but the last went down ("restarted"); only the newest MAX_DOWN are kept.
    expect(m.known("evil", count)?.state).toBe("up");
    expect(m.known("evil", count - MAX_DOWN)?.state).toBe("down");
    expect(m.heard("evil", count - MAX_DOWN)).toBeUndefined();
    expect(m.known("evil", count - MAX_DOWN - 1)).toBeUndefined();
    expect(m.known("evil", 1)).toBeUndefined();
    // Pids naming never-heard incarnations (resolve) and this node's own old ones are kept the same way.
    for (let inc = 1; inc <= count; inc++) m.resolve("self", inc);
    expect(m.known("self", 1)).toBeUndefined();
    expect(m.known("self", count)?.state).toBe("down");
    expect(m.known("evil", count)?.state).toBe("up");
    expect(m.list()).toEqual(["evil"]);
  });

  it("forgets every peer on restart, fenced ones included", () => {
    const { m } = membership();
    m.heard("a", 1);
    m.heard("a", 2);
    m.restart();
    expect(m.known("a", 1)).toBeUndefined();
    expect(m.known("a", 2)).toBeUndefined();
    expect(m.list()).toEqual([]);
  });
});
