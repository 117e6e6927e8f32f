import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CastRequest, Mailbox } from "../../../src/runtime/process/mailbox.ts";

type Op =
  | { readonly kind: "push"; readonly value: number }
  | { readonly kind: "pushCast"; readonly value: number }
  | { readonly kind: "takeBare" }
  | { readonly kind: "pushMany"; readonly count: number }
  | { readonly kind: "removeAt"; readonly at: number }
  | { readonly kind: "shiftMany"; readonly count: number }
  | { readonly kind: "clear" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((value) => ({ kind: "push", value }) as const) },
  { weight: 4, arbitrary: fc.integer().map((value) => ({ kind: "pushCast", value }) as const) },
  { weight: 2, arbitrary: fc.constant({ kind: "takeBare" } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((count) => ({ kind: "pushMany", count }) as const) },
  { weight: 6, arbitrary: fc.nat().map((at) => ({ kind: "removeAt", at }) as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((count) => ({ kind: "shiftMany", count }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" } as const) },
);

/** What the model holds for a bare cast: the box shows it as a CastRequest of `msg`. */
class Cast {
  constructor(readonly msg: unknown) {}
}

/** The mailbox's view of a model entry is equal to it: a CastRequest for a Cast, the value otherwise. */
function same(seen: unknown, expected: unknown): void {
  if (expected instanceof Cast) {
    expect(seen).toBeInstanceOf(CastRequest);
    expect((seen as CastRequest).msg).toBe(expected.msg);
  } else {
    expect(seen).toBe(expected);
  }
}

/**
 * Applies `ops` to a Mailbox and to an array, checking they agree after every step. A bare cast
 * the model has not seen wrapped yet is a Cast; once the box showed it, the model keeps the
 * CastRequest it showed, which the box must show again (one per cast, made in place).
 */
function check(ops: readonly Op[]): void {
  const box = new Mailbox();
  const model: unknown[] = [];
  let next = 0;
  const seen = (i: number): unknown => {
    const shown = box.at(i);
    same(shown, model[i]);
    model[i] = shown;
    return shown;
  };
  for (const o of ops) {
    switch (o.kind) {
      case "push":
        box.push(o.value);
        model.push(o.value);
        break;
      case "pushCast":
        box.pushCast(o.value);
        model.push(new Cast(o.value));
        break;
      case "takeBare": {
        if (model.length === 0) break;
        const head = model.shift();
        expect(box.isCastAt(0)).toBe(head instanceof Cast);
        expect(box.removeBare(0)).toBe(head instanceof Cast ? head.msg : head);
        break;
      }
      case "pushMany":
        for (let i = 0; i < o.count; i++) {
          box.push(`m${next}`);
          model.push(`m${next++}`);
        }
        break;
      case "removeAt":
        if (model.length === 0) break;
        same(box.removeAt(o.at % model.length), model.splice(o.at % model.length, 1)[0]);
        break;
      case "shiftMany":
        for (let i = 0; i < o.count && model.length > 0; i++) same(box.removeAt(0), model.shift());
        break;
      case "clear":
        box.clear();
        model.length = 0;
        break;
    }
    expect(box.length).toBe(model.length);
    if (model.length > 0) {
      seen(0);
      seen(model.length - 1);
    }
  }
  const all = box.toArray();
  expect(all).toHaveLength(model.length);
  all.forEach((m, i) => same(m, model[i]));
}

describe("mailbox", () => {
  describe("Mailbox", () => {
    it("behaves as an array under any sequence of push, removeAt and clear", () => {
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), check), { numRuns: 200 });
    });

    it("keeps bare casts in place across compaction of a long backlog", () => {
      const ops: Op[] = [];
      for (let i = 0; i < 3000; i++) ops.push(i % 3 === 0 ? { kind: "pushCast", value: i } : { kind: "push", value: i });
      check([...ops, { kind: "shiftMany", count: 1600 }, { kind: "removeAt", at: 7 }, { kind: "takeBare" }, { kind: "takeBare" }, { kind: "shiftMany", count: 1390 }]);
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

  describe("pushCast", () => {
    it("queues a cast bare: taken bare by removeBare, seen as one CastRequest by at, removeAt and toArray", () => {
      const box = new Mailbox();
      box.push("plain");
      box.pushCast("c1");
      box.pushCast("c2");
      box.pushCast("c3");
      expect(box.isCastAt(0)).toBe(false);
      expect(box.isCastAt(1)).toBe(true);
      const shown = box.at(1);
      expect(shown).toBeInstanceOf(CastRequest);
      expect(box.at(1)).toBe(shown);
      // Seen once, it is a CastRequest for good: taken bare, it comes as that object.
      expect(box.isCastAt(1)).toBe(false);
      expect(box.removeBare(0)).toBe("plain");
      expect(box.removeBare(0)).toBe(shown);
      expect(box.isCastAt(0)).toBe(true);
      expect(box.removeBare(0)).toBe("c2");
      expect(box.toArray()).toEqual([new CastRequest("c3")]);
      expect(box.at(0)).toBe(box.removeAt(0));
      expect(box.length).toBe(0);
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
