// Issue 10, defect 7: null is not "use the default". Every option (and every field of a
// reconnect or heartbeat policy) given as null is an OptionsError naming it, like any other value
// of the wrong type; only undefined, or leaving the option out, takes the default.
import { describe, expect, it } from "vitest";
import { validateOptions } from "../../src/client/options.ts";
import { OptionsError } from "../../src/runtime/errors.ts";

const url = "ws://127.0.0.1:1";
const OPTIONS = ["name", "headers", "connectTimeout", "transportOpts", "protocols", "reconnect", "heartbeat",
  "closeTimeout", "maxQueue", "maxPayload", "perMessageDeflate", "maxBuffered", "active", "codec"] as const;

describe("null options", () => {
  // headers and transportOpts may hold secrets: their values show as a typed stand-in.
  it.each(OPTIONS)("%s: null is an OptionsError naming the option and showing null", (option) => {
    let thrown: unknown;
    try {
      validateOptions({ url, [option]: null });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OptionsError);
    expect(thrown).toMatchObject({ option });
    expect((thrown as Error).message).toMatch(new RegExp(`^invalid ${option}: expected .*, got (null|<redacted null>)$`));
  });

  it.each(["baseDelay", "maxDelay", "maxRetries"])("reconnect.%s: null is an OptionsError", (field) => {
    expect(() => validateOptions({ url, reconnect: { [field]: null } })).toThrow(
      new RegExp(`^invalid reconnect\\.${field}: expected .*, got null$`),
    );
  });

  it("undefined still takes the default", () => {
    const opts = validateOptions({ url, reconnect: undefined, maxQueue: undefined, connectTimeout: undefined });
    expect(opts).toMatchObject({ reconnect: false, maxQueue: 1000, connectTimeout: 10_000 });
  });
});
