import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Mailbox } from "../../../src/runtime/process/mailbox.ts";

type Op =
  | { readonly kind: "push"; readonly value: number }
  | { readonly kind: "pushMany"; readonly count: number }
  | { readonly kind: "removeAt"; readonly at: number }
  | { readonly kind: "shiftMany"; readonly count: number }
  | { readonly kind: "clear" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((value) => ({ kind: "push", value }) as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((count) => ({ kind: "pushMany", count }) as const) },
  { weight: 6, arbitrary: fc.nat().map((at) => ({ kind: "removeAt", at }) as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((count) => ({ kind: "shiftMany", count }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" } as const) },
);

/** Applies `ops` to a Mailbox and to an array, checking they agree after every step. */
function check(ops: readonly Op[]): void {
  const box = new Mailbox();
  const model: unknown[] = [];
  let next = 0;
  for (const o of ops) {
    switch (o.kind) {
      case "push":
        box.push(o.value);
        model.push(o.value);
        break;
      case "pushMany":
        for (let i = 0; i < o.count; i++) {
          box.push(`m${next}`);
          model.push(`m${next++}`);
        }
        break;
      case "removeAt":
        if (model.length === 0) break;
        expect(box.removeAt(o.at % model.length)).toBe(model.splice(o.at % model.length, 1)[0]);
        break;
      case "shiftMany":
        for (let i = 0; i < o.count && model.length > 0; i++) expect(box.removeAt(0)).toBe(model.shift());
        break;
      case "clear":
        box.clear();
        model.length = 0;
        break;
    }
    expect(box.length).toBe(model.length);
    if (model.length > 0) {
      expect(box.at(0)).toBe(model[0]);
      expect(box.at(model.length - 1)).toBe(model.at(-1));
    }
  }
  expect(box.toArray()).toEqual(model);
}

describe("mailbox", () => {
  describe("Mailbox", () => {
    it("behaves as an array under any sequence of push, removeAt and clear", () => {
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), check), { numRuns: 200 });
    });

    it("keeps its contents across compaction of a long backlog", () => {
      check([
        { kind: "pushMany", count: 3000 },
        { kind: "shiftMany", count: 1600 },
        { kind: "removeAt", at: 5 },
        { kind: "push", value: 1 },
        { kind: "shiftMany", count: 1000 },
        { kind: "removeAt", at: 0 },
      ]);
    });
  });

  describe("push", () => {
    it("appends in order", () => {
      const box = new Mailbox();
      box.push("a");
      box.push(undefined);
      box.push("c");
      expect(box.toArray()).toEqual(["a", undefined, "c"]);
      expect(box.length).toBe(3);
    });
  });

  describe("at", () => {
    it("reads from the oldest message, undefined past the end", () => {
      const box = new Mailbox();
      box.push(1);
      box.push(2);
      box.removeAt(0);
      expect(box.at(0)).toBe(2);
      expect(box.at(1)).toBeUndefined();
    });
  });

  describe("removeAt", () => {
    it("removes from the middle and keeps the order of the rest", () => {
      const box = new Mailbox();
      for (const m of [1, 2, 3, 4]) box.push(m);
      expect(box.removeAt(2)).toBe(3);
      expect(box.toArray()).toEqual([1, 2, 4]);
    });
  });

  describe("toArray", () => {
    it("returns a copy", () => {
      const box = new Mailbox();
      box.push(1);
      box.toArray().push(2);
      expect(box.length).toBe(1);
    });
  });

  describe("clear", () => {
    it("empties the mailbox", () => {
      const box = new Mailbox();
      box.push(1);
      box.clear();
      expect(box.length).toBe(0);
      expect(box.toArray()).toEqual([]);
    });
  });
});
