// Rendezvous placement on its own (no broker): deterministic, order-free, moves only what must move.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/dist/placement.ts";

const nodeName = fc.stringMatching(/^[A-Za-z0-9_@.-]{1,12}$/);
const nodeSet = fc.uniqueArray(nodeName, { minLength: 1, maxLength: 8 });
const childKey = fc.string({ maxLength: 40 });

describe("ownerOf (rendezvous hashing)", () => {
  it("picks one of the nodes, whatever order they are listed in", () => {
    fc.assert(
      fc.property(childKey, nodeSet, fc.infiniteStream(fc.nat()), (key, nodes, seeds) => {
        const owner = ownerOf(key, nodes);
        expect(nodes).toContain(owner);
        const shuffled = [...nodes].sort(() => (seeds.next().value % 3) - 1);
        expect(ownerOf(key, shuffled)).toBe(owner);
      }),
    );
  });

  it("a node leaving moves only its own children", () => {
    fc.assert(
      fc.property(childKey, nodeSet, fc.nat(), (key, nodes, pick) => {
        const owner = ownerOf(key, nodes)!;
        const leaving = nodes[pick % nodes.length]!;
        const rest = nodes.filter((n) => n !== leaving);
        if (leaving !== owner) expect(ownerOf(key, rest)).toBe(owner);
        else if (rest.length > 0) expect(rest).toContain(ownerOf(key, rest));
      }),
    );
  });

  it("a node joining takes a child or leaves it where it was", () => {
    fc.assert(
      fc.property(childKey, nodeSet, nodeName, (key, nodes, joining) => {
        fc.pre(!nodes.includes(joining));
        const before = ownerOf(key, nodes);
        const after = ownerOf(key, [...nodes, joining]);
        expect([before, joining]).toContain(after);
      }),
    );
  });

  it("no nodes, no owner", () => {
    expect(ownerOf("x", [])).toBeUndefined();
  });

  it("spreads children evenly: each of 3 nodes gets 25% to 42% of 3000 ids", () => {
    const nodes = ["a", "b", "c"];
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const owner = ownerOf(JSON.stringify(["feed", i]), nodes)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const node of nodes) {
      expect(counts.get(node)).toBeGreaterThan(750);
      expect(counts.get(node)).toBeLessThan(1260);
    }
  });
});
