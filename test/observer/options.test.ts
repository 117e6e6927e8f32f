import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Observer } from "../../src/index.ts";
import { OptionsError } from "../../src/runtime/errors.ts";
import { checkOptions, isLoopback } from "../../src/observer/options.ts";

const TOKEN = "a-token-of-16-chars+";

describe("Observer options", () => {
  it("defaults to port 0 on 127.0.0.1, no token, no nodes", () => {
    expect(checkOptions(undefined)).toEqual({ port: 0, host: "127.0.0.1", token: undefined, nodes: undefined });
    expect(checkOptions({})).toEqual({ port: 0, host: "127.0.0.1", token: undefined, nodes: undefined });
  });

  it("accepts a loopback host without a token, and any host with one", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1"]) expect(checkOptions({ host }).host).toBe(host);
    expect(checkOptions({ host: "0.0.0.0", token: TOKEN })).toMatchObject({ host: "0.0.0.0", token: TOKEN });
  });

  it("refuses a non-loopback host without a token, naming the host", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      await expect(Observer.start({ host })).rejects.toThrow(
        new OptionsError("host", host, "a loopback address (127.0.0.1, ::1, localhost) unless a token is given"),
      );
    }
  });

  it("refuses bad values with an OptionsError naming the option and the value", () => {
    const cases: Array<[unknown, string]> = [
      [{ port: -1 }, "invalid port: expected an integer from 0 to 65535, got -1"],
      [{ port: 65536 }, "invalid port: expected an integer from 0 to 65535, got 65536"],
      [{ port: 1.5 }, "invalid port: expected an integer from 0 to 65535, got 1.5"],
      [{ port: "80" }, 'invalid port: expected an integer from 0 to 65535, got "80"'],
      [{ host: "" }, 'invalid host: expected a host name or IP address, got ""'],
      [{ host: 127 }, "invalid host: expected a host name or IP address, got 127"],
      [{ nodes: "yes" }, 'invalid nodes: expected a function returning the nodes view, got "yes"'],
      [{ colour: "red" }, 'invalid colour: expected no such Observer option (known: port, host, token, nodes), got "red"'],
      ["127.0.0.1", 'invalid options: expected { port?, host?, token?, nodes? }, got "127.0.0.1"'],
      [null, "invalid options: expected { port?, host?, token?, nodes? }, got null"],
    ];
    for (const [options, message] of cases) {
      expect(() => checkOptions(options), message).toThrow(OptionsError);
      expect(() => checkOptions(options)).toThrow(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    }
  });

  it("refuses a short token without showing it", () => {
    let thrown: unknown;
    try {
      checkOptions({ token: "hunter2" });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OptionsError);
    expect((thrown as OptionsError).message).toBe('invalid token: expected a string of at least 16 characters, got "<redacted string>"');
    expect(String((thrown as OptionsError).value)).not.toContain("hunter2");
    expect(() => checkOptions({ token: 42 })).toThrow(/^invalid token: expected a string of at least 16 characters, got "<redacted number>"$/);
  });
});

describe("isLoopback", () => {
  it("is true for 127.0.0.0/8, ::1 and localhost only", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isLoopback(ip)).toBe(ip.startsWith("127."));
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(isLoopback(ip)).toBe(ip === "::1" || ip === "0:0:0:0:0:0:0:1");
      }),
    );
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("localhost.example.com")).toBe(false);
  });
});
