import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionsError } from "../../../src/runtime/errors.ts";
import { validateName, type Term, type ViaModule } from "../../../src/runtime/names/names-types.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";

const FORMS = String.raw`a non-empty string, \{ global: term \} or \{ via: \[module, term\] \}`;

const viaObject: ViaModule = {
  registerName: () => true,
  unregisterName: () => undefined,
  whereisName: (): Pid | undefined => undefined,
  send: () => undefined,
};

class ViaClass {
  static registerName(): boolean {
    return true;
  }
  static unregisterName(): void {}
  static whereisName(): Pid | undefined {
    return undefined;
  }
  static send(): void {}
}

describe("names-types", () => {
  describe("validateName", () => {
    it("accepts a string and returns it", () => {
      expect(validateName("counter")).toBe("counter");
    });

    it("accepts { global: term } and returns the same object", () => {
      const name = { global: ["feed", { pair: "btc" }, 1, true, null] };
      expect(validateName(name)).toBe(name);
    });

    it("accepts { via: [module, term] } with a plain object or a class as module", () => {
      const byObject = { via: [viaObject, "key"] };
      const byClass = { via: [ViaClass, ["registry", "key"]] };
      expect(validateName(byObject)).toBe(byObject);
      expect(validateName(byClass)).toBe(byClass);
    });

    it("rejects an empty string", () => {
      expect(() => validateName("")).toThrow(OptionsError);
      expect(() => validateName("")).toThrow(new RegExp(`^invalid name: expected ${FORMS}, got ""$`));
    });

    it("rejects a value of another type", () => {
      expect(() => validateName(42)).toThrow(OptionsError);
      expect(() => validateName(["a"])).toThrow(new RegExp(`^invalid name: expected ${FORMS}, got \\["a"\\]$`));
    });

    it("rejects an object with other or extra keys", () => {
      expect(() => validateName({})).toThrow(OptionsError);
      expect(() => validateName({ global: "a", local: "b" })).toThrow(
        new RegExp(`^invalid name: expected ${FORMS}, got \\{global: "a", local: "b"\\}$`),
      );
    });

    it("rejects a global term that is not JSON-like", () => {
      for (const term of [undefined, Number.NaN, Infinity, () => 1, new Date(0), [1, , 3], 1n]) {
        expect(() => validateName({ global: term })).toThrow(OptionsError);
      }
      expect(() => validateName({ global: [1, undefined] })).toThrow(
        new RegExp(`^invalid name: expected ${FORMS}, where term is JSON-like, got \\{global: \\[1, undefined\\]\\}$`),
      );
    });

    it("rejects a cyclic term", () => {
      const cyclic: Record<string, unknown> = {};
      cyclic["self"] = cyclic;
      expect(() => validateName({ global: cyclic })).toThrow(OptionsError);
    });

    it("rejects a via that is not a [module, term] pair", () => {
      expect(() => validateName({ via: viaObject })).toThrow(OptionsError);
      expect(() => validateName({ via: [viaObject] })).toThrow(new RegExp(`^invalid name: expected ${FORMS}, got \\{via: \\[\\{`));
    });

    it("rejects a via module without the four functions", () => {
      const { send: _send, ...incomplete } = viaObject;
      expect(() => validateName({ via: [incomplete, "k"] })).toThrow(OptionsError);
      expect(() => validateName({ via: [null, "k"] })).toThrow(
        new RegExp(`^invalid name: expected ${FORMS}, where module has registerName, unregisterName, whereisName, send, got `),
      );
    });

    it("rejects a via term that is not JSON-like", () => {
      expect(() => validateName({ via: [viaObject, undefined] })).toThrow(OptionsError);
      expect(() => validateName({ via: [viaObject, Symbol("k")] })).toThrow(new RegExp(`^invalid name: expected ${FORMS}, where term is JSON-like, got `));
    });

    it("names the option it was given", () => {
      expect(() => validateName(1, "opts.name")).toThrow(new RegExp(`^invalid opts\\.name: expected ${FORMS}, got 1$`));
    });

    it("property: every JSON value is a valid global or via term", () => {
      fc.assert(
        fc.property(fc.jsonValue(), (term) => {
          const global = { global: term as Term };
          const via = { via: [viaObject, term as Term] };
          expect(validateName(global)).toBe(global);
          expect(validateName(via)).toBe(via);
        }),
      );
    });

    it("property: any value either passes unchanged or throws OptionsError", () => {
      const candidate = fc.oneof(fc.anything(), fc.record({ global: fc.anything() }), fc.record({ via: fc.tuple(fc.constant(viaObject), fc.anything()) }));
      fc.assert(
        fc.property(candidate, (value) => {
          try {
            expect(validateName(value)).toBe(value);
          } catch (err) {
            expect(err).toBeInstanceOf(OptionsError);
            expect((err as OptionsError).message).toMatch(/^invalid name: expected /);
          }
        }),
      );
    });
  });
});
