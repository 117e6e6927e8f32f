// Pids and Refs on the wire, without a broker: interning (one object per process), this node's
// own Pids coming back as themselves, forged ones dead, bad wire forms refused by name.
import { afterEach, beforeEach, expect, it, describe } from "vitest";
import fc from "fast-check";
import { joinWire, leaveWire, pidFromWire, pidToWire, refFromWire, refToWire, type PeerHome } from "../../src/dist/remote-pids.ts";
import { Inbox, isAlive } from "../../src/index.ts";
import { makeRef } from "../../src/runtime/process/pid.ts";

const homes = new Map<string, PeerHome>();
function resolve(node: string, incarnation: number): PeerHome {
  const key = `${node}:${incarnation}`;
  let home = homes.get(key);
  if (home === undefined) homes.set(key, (home = { node, incarnation, index: homes.size + 1, route: () => undefined }));
  return home;
}

describe("remote Pids and Refs", () => {
  beforeEach(() => joinWire("self", 7, resolve));
  afterEach(() => {
    leaveWire();
    homes.clear();
  });

  it("interns a remote Pid: the same wire form is the same object, printed with its node's index", () => {
    const one = pidFromWire(["b", 3, 12]);
    expect(pidFromWire(["b", 3, 12])).toBe(one);
    expect(pidFromWire(["b", 4, 12])).not.toBe(one);
    expect(pidToWire(one)).toEqual(["b", 3, 12]);
    expect(String(one)).toMatch(/^#PID<\d+\.12\.0>$/);
    expect(isAlive(one)).toBe(false);
  });

  it("a Pid or Ref of this node comes back as the very object sent; a forged one is dead", () => {
    const box = new Inbox();
    const wire = pidToWire(box.pid);
    expect(wire).toEqual(["self", 7, box.pid.id]);
    expect(pidFromWire(wire)).toBe(box.pid);
    const forged = pidFromWire(["self", 7, 999_999]);
    expect(isAlive(forged)).toBe(false);
    // An older incarnation of this node names nothing that lives here.
    expect(pidFromWire(["self", 6, box.pid.id])).not.toBe(box.pid);
    const ref = makeRef();
    expect(refFromWire(refToWire(ref))).toBe(ref);
    box.close();
  });

  it("interning holds through the sweeps of collected entries: what is still held comes back as itself", () => {
    // Far past the tables' first sweep (1024 entries), most entries dropped as they are made.
    const keptRemote = Array.from({ length: 5000 }, (_, i) => pidFromWire(["b", 3, i + 1])).filter((_, i) => i % 100 === 0);
    const keptRefs = Array.from({ length: 5000 }, () => makeRef()).filter((_, i) => i % 100 === 0);
    for (const ref of Array.from({ length: 5000 }, () => makeRef())) refToWire(ref);
    for (const ref of keptRefs) refToWire(ref);
    for (const [i, pid] of keptRemote.entries()) expect(pidFromWire(["b", 3, i * 100 + 1])).toBe(pid);
    for (const ref of keptRefs) expect(refFromWire(refToWire(ref))).toBe(ref);
  });

  it("refuses anything that is not [node, incarnation, id], naming it", () => {
    for (const bad of [null, [], ["b", 1], ["b", 0, 1], ["b", 1, -1], ["b", 1.5, 1], ["a b", 1, 1], [1, 1, 1], ["b", 1, 1, 1]]) {
      expect(() => pidFromWire(bad)).toThrow(TypeError);
      expect(() => refFromWire(bad)).toThrow(/not a Ref on the wire/);
    }
  });

  it("round-trips any valid wire form (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_@.-]{1,64}$/), fc.integer({ min: 1, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (node, inc, id) => {
        if (node === "self") return;
        const pid = pidFromWire([node, inc, id]);
        expect(pidToWire(pid)).toEqual([node, inc, id]);
        expect(pidFromWire([node, inc, id])).toBe(pid);
      }),
    );
  });

  it("nothing crosses while the node is not started", () => {
    leaveWire();
    const box = new Inbox();
    expect(() => pidToWire(box.pid)).toThrow(/not started/);
    expect(() => pidFromWire(["b", 1, 1])).toThrow(/not started/);
    box.close();
  });
});
