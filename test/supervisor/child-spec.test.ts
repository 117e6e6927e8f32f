import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/runtime/errors.ts";
import { Pid } from "../../src/runtime/process/pid.ts";
import type { ChildSpec } from "../../src/supervisor/child-spec.ts";
import { normalizeChild, validateChildren } from "../../src/supervisor/child-spec.ts";
import { expectOptionsError } from "../helpers/runtime.ts";

const start = (): Promise<Pid> => Promise.resolve(new Pid(1));
const ANY_CHILD = "a child spec { id, start, restart?, shutdown?, type? }, [Module, arg] or a Module with a static childSpec";

class Worker {
  static childSpec(arg: unknown): ChildSpec {
    return { id: this, start, restart: "transient", shutdown: Array.isArray(arg) ? 100 : 200 };
  }
}

describe("child-spec", () => {
  describe("normalizeChild", () => {
    it("fills in OTP's defaults for a worker", () => {
      expect(normalizeChild({ id: "w", start })).toEqual({ id: "w", start, restart: "permanent", shutdown: 5000, type: "worker" });
    });

    it("defaults a supervisor's shutdown to infinity", () => {
      expect(normalizeChild({ id: "s", start, type: "supervisor" }).shutdown).toBe("infinity");
    });

    it("keeps given fields and treats undefined as absent", () => {
      const spec = { id: ["feed", "btc"], start, restart: "temporary", shutdown: "brutal_kill", type: undefined } as const;
      expect(normalizeChild(spec)).toEqual({ id: ["feed", "btc"], start, restart: "temporary", shutdown: "brutal_kill", type: "worker" });
    });

    it("returns a fresh frozen spec", () => {
      const given = { id: "w", start };
      const spec = normalizeChild(given);
      expect(spec).not.toBe(given);
      expect(Object.isFrozen(spec)).toBe(true);
    });

    it("reads Infinity as a shutdown of infinity", () => {
      expect(normalizeChild({ id: "w", start, shutdown: Infinity }).shutdown).toBe("infinity");
    });

    it("calls a bare Module's childSpec with [] and the module as this, so the module is the default id", () => {
      expect(normalizeChild(Worker)).toEqual({ id: Worker, start, restart: "transient", shutdown: 100, type: "worker" });
    });

    it("gives a module's spec without an id the module itself as its id", () => {
      const NoId = { childSpec: () => ({ start }) as unknown as ChildSpec };
      expect(normalizeChild(NoId).id).toBe(NoId);
      expect(normalizeChild([NoId, 1]).id).toBe(NoId);
    });

    it("calls childSpec(arg) for [Module, arg]", () => {
      expect(normalizeChild([Worker, { url: "ws://x" }]).shutdown).toBe(200);
    });

    it("accepts a plain object as a module", () => {
      const module = { childSpec: (arg: unknown): ChildSpec => ({ id: ["m", arg as string], start }) };
      expect(normalizeChild([module, "a"]).id).toEqual(["m", "a"]);
    });

    it("rejects a value of none of the three forms, naming its position", () => {
      expectOptionsError(() => normalizeChild(5, 2), `invalid children[2]: expected ${ANY_CHILD}, got 5`);
    });

    it("rejects a value of none of the three forms without a position", () => {
      expectOptionsError(() => normalizeChild(null), `invalid child spec: expected ${ANY_CHILD}, got null`);
    });

    it("rejects an array that is not [Module, arg]", () => {
      expectOptionsError(() => normalizeChild([Worker], 0), `invalid children[0]: expected ${ANY_CHILD}, got [Worker]`);
    });

    it("rejects a function without childSpec", () => {
      function helper(): void {}
      expectOptionsError(() => normalizeChild(helper, 1), `invalid children[1]: expected ${ANY_CHILD}, got #Function<helper>`);
    });

    it("wraps an error thrown by childSpec, keeping it as the cause", () => {
      const boom = new Error("boom");
      class Broken {
        static childSpec(): ChildSpec {
          throw boom;
        }
      }
      const error = expectOptionsError(
        () => normalizeChild([Broken, "x"], 3),
        `invalid children[3]: expected Broken.childSpec("x") to return a child spec, but it threw, got Error: boom`,
      );
      expect(error.cause).toBe(boom);
    });

    it("rejects a childSpec that returns a non-object", () => {
      const module = { childSpec: () => "nope" as unknown as ChildSpec };
      expectOptionsError(
        () => normalizeChild(module, 0),
        `invalid children[0]: expected {childSpec: #Function<childSpec>}.childSpec([]) to return a child spec object, got "nope"`,
      );
    });

    it("rejects a spec without an id, naming its position", () => {
      expectOptionsError(() => normalizeChild({ start }, 4), "invalid children[4].id: expected any value except undefined, got undefined");
    });

    it("rejects a spec without an id and without a position", () => {
      expectOptionsError(() => normalizeChild({ start }), "invalid child spec.id: expected any value except undefined, got undefined");
    });

    it("rejects an unknown key, listing the known ones", () => {
      expectOptionsError(
        () => normalizeChild({ id: "w", start, shutdownTimeout: 100 }),
        `invalid child spec "w" key: expected id, start, restart, shutdown or type, got "shutdownTimeout"`,
      );
    });

    it("rejects a start that is not a function", () => {
      expectOptionsError(
        () => normalizeChild({ id: "w", start: "go" }),
        `invalid child spec "w".start: expected a function returning a Promise of the child's Pid, got "go"`,
      );
    });

    it("rejects an unknown restart type", () => {
      expectOptionsError(
        () => normalizeChild({ id: "worker1", start, restart: "sometimes" }),
        `invalid child spec "worker1".restart: expected "permanent", "transient" or "temporary", got "sometimes"`,
      );
    });

    it("rejects a null restart type instead of defaulting it", () => {
      expectOptionsError(
        () => normalizeChild({ id: ["a", 1], start, restart: null }),
        `invalid child spec ["a", 1].restart: expected "permanent", "transient" or "temporary", got null`,
      );
    });

    it("rejects an unknown child type", () => {
      expectOptionsError(
        () => normalizeChild({ id: "w", start, type: "process" }),
        `invalid child spec "w".type: expected "worker" or "supervisor", got "process"`,
      );
    });

    it.each([[-1], [1.5], [NaN], ["5000"], [-Infinity]])("rejects shutdown %s", (shutdown) => {
      const shown = typeof shutdown === "string" ? `"${shutdown}"` : String(shutdown);
      expectOptionsError(
        () => normalizeChild({ id: "w", start, shutdown }),
        `invalid child spec "w".shutdown: expected a non-negative integer (ms), "brutal_kill" or "infinity", got ${shown}`,
      );
    });

    it("throws only OptionsError, or returns a spec with every field valid, whatever it is given", () => {
      // Mostly valid fields, so that both outcomes are explored.
      const field = <T>(valid: fc.Arbitrary<T>) =>
        fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: fc.anything(), weight: 1 });
      const fields = fc.record({
        id: field(fc.jsonValue()),
        start: field(fc.constant(start)),
        restart: field(fc.constantFrom("permanent", "transient", "temporary")),
        shutdown: field(fc.oneof(fc.nat(), fc.constantFrom("brutal_kill", "infinity", Infinity))),
        type: field(fc.constantFrom("worker", "supervisor")),
      });
      const spec = fc.tuple(fields, fc.option(fc.dictionary(fc.string(), fc.anything()), { freq: 8 })).map(
        ([known, extra]) => ({ ...extra, ...known }),
      );
      const module = spec.map((s) => ({ childSpec: () => s as ChildSpec }));
      const child = fc.oneof(fc.anything(), spec, module, fc.tuple(module, fc.anything()));
      let valid = 0;
      fc.assert(
        fc.property(child, fc.option(fc.nat(), { nil: undefined }), (input, position) => {
          try {
            const out = normalizeChild(input, position);
            expect(out.id).not.toBe(undefined);
            expect(typeof out.start).toBe("function");
            expect(["permanent", "transient", "temporary"]).toContain(out.restart);
            expect(["worker", "supervisor"]).toContain(out.type);
            const { shutdown } = out;
            expect(shutdown === "brutal_kill" || shutdown === "infinity" || (Number.isInteger(shutdown) && shutdown >= 0)).toBe(true);
            valid++;
          } catch (error) {
            expect(error).toBeInstanceOf(OptionsError);
          }
        }),
        { numRuns: 1000 },
      );
      // The generators must reach the success path too, or the property proves little.
      expect(valid).toBeGreaterThan(0);
    });
  });


  describe("validateChildren", () => {
    it("normalises every child, in order", () => {
      const other = { childSpec: (arg: unknown): ChildSpec => ({ id: ["other", arg as number], start }) };
      const specs = validateChildren([{ id: "a", start }, Worker, [other, 1]]);
      expect(specs.map((s) => s.id)).toEqual(["a", Worker, ["other", 1]]);
      expect(validateChildren([])).toEqual([]);
    });

    it("rejects a non-array", () => {
      expectOptionsError(() => validateChildren({ id: "a", start }), "invalid children: expected an array of children, got {id: \"a\", start: #Function<start>}");
    });

    it("names an invalid child by its position", () => {
      expectOptionsError(() => validateChildren([{ id: "a", start }, 5]), `invalid children[1]: expected ${ANY_CHILD}, got 5`);
    });

    it("rejects ids that are equal as terms", () => {
      expectOptionsError(
        () => validateChildren([{ id: ["feed", "btc"], start }, { id: "x", start }, { id: ["feed", "btc"], start }]),
        `invalid children[2].id: expected an id no other child has (children[0] has it), got ["feed", "btc"]`,
      );
    });

    it("rejects the same module twice, since its default id is the module", () => {
      expectOptionsError(
        () => validateChildren([Worker, [Worker, "other"]]),
        "invalid children[1].id: expected an id no other child has (children[0] has it), got Worker",
      );
    });
  });
});

// Reference equality for JSON values: Erlang-like, so -0 equals 0 and key order does not matter.
