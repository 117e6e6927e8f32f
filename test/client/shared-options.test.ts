import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { codecs } from "../../src/index.ts";
import { validateCodec } from "../../src/client/codec.ts";
import { validateOptions } from "../../src/client/options.ts";
import { shareOptions } from "../../src/client/shared-options.ts";

const URL_A = "ws://127.0.0.1:1/a";

describe("shareOptions", () => {
  it("hands the next client with equal options the same object", () => {
    const given = { url: URL_A, headers: { "X-Id": "1" }, protocols: ["v1"], reconnect: { maxRetries: 3 }, codec: codecs.json };
    const first = shareOptions(validateOptions(given));
    const second = shareOptions(validateOptions({ ...given, headers: { "X-Id": "1" }, protocols: ["v1"] }));
    expect(second).toBe(first);
  });

  it("keeps options that differ in any option, or in the order of headers, apart", () => {
    const base = { url: URL_A, headers: { a: "1", b: "2" } };
    const variants = [
      { ...base, url: "ws://127.0.0.1:1/b" },
      { ...base, headers: { b: "2", a: "1" } },
      { ...base, maxQueue: 5 },
      { ...base, transportOpts: { family: 4 } },
      { ...base, name: "feed" },
    ];
    for (const variant of variants) {
      const first = shareOptions(validateOptions(base));
      const other = shareOptions(validateOptions(variant));
      expect(other).not.toBe(first);
      expect(other).toEqual(validateOptions(variant));
    }
  });

  it("always returns options equal to those given", () => {
    const opts = fc.record(
      {
        url: fc.constantFrom(URL_A, "ws://127.0.0.1:1/b"),
        maxQueue: fc.constantFrom(1, 2),
        protocols: fc.constantFrom(["v1"], ["v2"], ["v1", "v2"]),
        headers: fc.constantFrom({ a: "1" }, { a: "2" }, [["a", "1"] as const]),
        reconnect: fc.constantFrom(true, false, { maxRetries: 1 }),
      },
      { requiredKeys: ["url"] },
    );
    fc.assert(
      fc.property(fc.array(opts, { minLength: 1, maxLength: 8 }), (list) => {
        for (const o of list) expect(shareOptions(validateOptions(o))).toEqual(validateOptions(o));
      }),
    );
  });

  it("wraps one codec once, and again once its functions changed", () => {
    const codec = { encode: (m: unknown) => m, decode: (f: unknown) => f };
    const first = validateCodec(codec);
    expect(validateCodec(codec)).toBe(first);
    codec.decode = (f: unknown) => [f];
    const changed = validateCodec(codec);
    expect(changed).not.toBe(first);
    expect(changed.decode(["text", "x"])).toEqual([["text", "x"]]);
  });
});
