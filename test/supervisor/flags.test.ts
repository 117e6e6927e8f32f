import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/runtime/errors.ts";
import { validateSupervisorFlags } from "../../src/supervisor/flags.ts";
import { expectOptionsError } from "../helpers/runtime.ts";

describe("flags", () => {
  describe("validateSupervisorFlags", () => {
    it("fills in OTP's defaults for a Supervisor", () => {
      expect(validateSupervisorFlags({ strategy: "rest_for_one" }, "Supervisor")).toEqual({
        strategy: "rest_for_one",
        maxRestarts: 3,
        maxSeconds: 5,
      });
    });

    it("keeps given values and passes any name through", () => {
      const name = { via: ["anything"] };
      expect(validateSupervisorFlags({ strategy: "one_for_all", maxRestarts: 0, maxSeconds: 0.5, name }, "Supervisor")).toEqual({
        strategy: "one_for_all",
        maxRestarts: 0,
        maxSeconds: 0.5,
        name,
      });
    });

    it("fills in defaults for a DynamicSupervisor, with no options at all", () => {
      const flags = validateSupervisorFlags(undefined, "DynamicSupervisor");
      expect(flags).toEqual({ strategy: "one_for_one", maxRestarts: 3, maxSeconds: 5, maxChildren: Infinity });
      expect("name" in flags).toBe(false);
    });

    it("accepts a DynamicSupervisor's one_for_one strategy and maxChildren", () => {
      expect(validateSupervisorFlags({ strategy: "one_for_one", maxChildren: 2, name: "dyn" }, "DynamicSupervisor")).toEqual({
        strategy: "one_for_one",
        maxRestarts: 3,
        maxSeconds: 5,
        maxChildren: 2,
        name: "dyn",
      });
    });

    it.each([[5], [null], [[]], ["one_for_one"]])("rejects options %o that are not an object", (opts) => {
      const shown = opts === null ? "null" : Array.isArray(opts) ? "[]" : typeof opts === "string" ? `"${opts}"` : String(opts);
      expectOptionsError(() => validateSupervisorFlags(opts, "Supervisor"), `invalid Supervisor options: expected an object, got ${shown}`);
    });

    it("rejects an unknown Supervisor option, listing the known ones", () => {
      expectOptionsError(
        () => validateSupervisorFlags({ strategy: "one_for_one", maxChildren: 3 }, "Supervisor"),
        `invalid Supervisor option key: expected strategy, maxRestarts, maxSeconds or name, got "maxChildren"`,
      );
    });

    it("rejects an unknown DynamicSupervisor option, listing the known ones", () => {
      expectOptionsError(
        () => validateSupervisorFlags({ max_restarts: 3 }, "DynamicSupervisor"),
        `invalid DynamicSupervisor option key: expected strategy, maxRestarts, maxSeconds, maxChildren or name, got "max_restarts"`,
      );
    });

    it("requires a Supervisor's strategy", () => {
      expectOptionsError(
        () => validateSupervisorFlags({}, "Supervisor"),
        `invalid Supervisor option strategy: expected "one_for_one", "one_for_all" or "rest_for_one", got undefined`,
      );
    });

    it("rejects an unknown Supervisor strategy", () => {
      expectOptionsError(
        () => validateSupervisorFlags({ strategy: "simple_one_for_one" }, "Supervisor"),
        `invalid Supervisor option strategy: expected "one_for_one", "one_for_all" or "rest_for_one", got "simple_one_for_one"`,
      );
    });

    it("rejects a DynamicSupervisor strategy other than one_for_one", () => {
      expectOptionsError(
        () => validateSupervisorFlags({ strategy: "one_for_all" }, "DynamicSupervisor"),
        `invalid DynamicSupervisor option strategy: expected "one_for_one", got "one_for_all"`,
      );
    });

    it.each([[-1], [1.5], [Infinity], [NaN], ["3"]])("rejects maxRestarts %o", (maxRestarts) => {
      const shown = typeof maxRestarts === "string" ? `"${maxRestarts}"` : String(maxRestarts);
      expectOptionsError(
        () => validateSupervisorFlags({ strategy: "one_for_one", maxRestarts }, "Supervisor"),
        `invalid Supervisor option maxRestarts: expected a non-negative integer, got ${shown}`,
      );
    });

    it.each([[0], [-1], [NaN], ["5"], [null]])("rejects maxSeconds %o", (maxSeconds) => {
      const shown = typeof maxSeconds === "string" ? `"${maxSeconds}"` : String(maxSeconds);
      expectOptionsError(
        () => validateSupervisorFlags({ maxSeconds }, "DynamicSupervisor"),
        `invalid DynamicSupervisor option maxSeconds: expected a positive number, got ${shown}`,
      );
    });

    it.each([[0], [-3], [2.5], [-Infinity], ["10"]])("rejects maxChildren %o", (maxChildren) => {
      const shown = typeof maxChildren === "string" ? `"${maxChildren}"` : String(maxChildren);
      expectOptionsError(
        () => validateSupervisorFlags({ maxChildren }, "DynamicSupervisor"),
        `invalid DynamicSupervisor option maxChildren: expected a positive integer or Infinity, got ${shown}`,
      );
    });

    it("throws only OptionsError, or returns flags with every field valid, whatever it is given", () => {
      const value = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: fc.anything(), weight: 1 });
      const opts = fc.record(
        {
          strategy: value(fc.constantFrom("one_for_one", "one_for_all", "rest_for_one")),
          maxRestarts: value(fc.nat()),
          maxSeconds: value(fc.double({ min: 0.001, max: 1e6, noNaN: true })),
          maxChildren: value(fc.oneof(fc.integer({ min: 1 }), fc.constant(Infinity))),
          name: fc.anything(),
        },
        { requiredKeys: [] },
      );
      const kind = fc.constantFrom("Supervisor" as const, "DynamicSupervisor" as const);
      fc.assert(
        fc.property(fc.oneof(opts, fc.anything()), kind, (input, k) => {
          try {
            const flags = validateSupervisorFlags(input, k);
            expect(k === "Supervisor" ? ["one_for_one", "one_for_all", "rest_for_one"] : ["one_for_one"]).toContain(flags.strategy);
            expect(Number.isInteger(flags.maxRestarts) && flags.maxRestarts >= 0).toBe(true);
            expect(flags.maxSeconds > 0).toBe(true);
            if ("maxChildren" in flags) {
              expect(k).toBe("DynamicSupervisor");
              expect(flags.maxChildren === Infinity || (Number.isInteger(flags.maxChildren) && flags.maxChildren > 0)).toBe(true);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(OptionsError);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
