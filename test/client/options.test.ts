import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RECONNECT,
  mergeConnectOverrides,
  validateOptions,
  type ClientOptions,
} from "../../src/client/options.ts";
import { redactHeaders } from "../../src/runtime/secrets.ts";
import { OptionsError } from "../../src/runtime/errors.ts";

const URL_FORMS = "a ws:// or wss:// URL string without a #fragment";
const TIMEOUT = "a number of ms above 0, at most 2147483647";
const SECRET = "s3cr3t-t0ken";

function failure(fn: () => unknown): OptionsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OptionsError);
    return err as OptionsError;
  }
  throw new Error("expected an OptionsError");
}

/** Asserts an OptionsError with exactly this message, and returns it. */
function rejects(opts: unknown, message: string): OptionsError {
  const err = failure(() => validateOptions(opts));
  expect(err.message).toBe(message);
  return err;
}

const isUserHeader = (name: string) => !/^(sec-websocket-|connection$|upgrade$)/i.test(name);

const withUrl = (extra: Record<string, unknown>) => ({ url: "wss://example.com/feed", ...extra });

describe("options", () => {
  describe("validateOptions", () => {
    it("fills every default around a bare url", () => {
      const opts = validateOptions({ url: "ws://localhost:8080/" });
      expect(opts).toEqual({
        url: "ws://localhost:8080/",
        name: undefined,
        headers: {},
        connectTimeout: 10_000,
        transportOpts: {},
        protocols: [],
        reconnect: false,
        heartbeat: false,
        closeTimeout: 5000,
        maxQueue: 1000,
        maxPayload: 67_108_864,
        perMessageDeflate: false,
        maxBuffered: 1000,
        active: true,
        codec: undefined,
      } satisfies ClientOptions);
      expect(Object.isFrozen(opts)).toBe(true);
    });

    it("treats undefined values as omitted", () => {
      expect(validateOptions(withUrl({ headers: undefined, reconnect: undefined })).reconnect).toBe(false);
    });

    it("keeps the url as written", () => {
      expect(validateOptions({ url: "wss://user:pw@host:9/a?b=c" }).url).toBe("wss://user:pw@host:9/a?b=c");
    });

    it("normalises headers given as an object or as pairs", () => {
      expect(validateOptions(withUrl({ headers: { Authorization: "Bearer x", "X-Id": "7" } })).headers).toEqual({
        Authorization: "Bearer x",
        "X-Id": "7",
      });
      expect(validateOptions(withUrl({ headers: [["Authorization", "Bearer x"]] })).headers).toEqual({ Authorization: "Bearer x" });
    });

    it("fills reconnect: true with the default policy", () => {
      expect(validateOptions(withUrl({ reconnect: true })).reconnect).toEqual({ baseDelay: 1000, maxDelay: 30_000, maxRetries: Infinity });
      expect(DEFAULT_RECONNECT).toEqual({ baseDelay: 1000, maxDelay: 30_000, maxRetries: Infinity });
    });

    it("fills a partial reconnect policy, bending a default to the bound given", () => {
      expect(validateOptions(withUrl({ reconnect: { maxRetries: 3 } })).reconnect).toEqual({ ...DEFAULT_RECONNECT, maxRetries: 3 });
      expect(validateOptions(withUrl({ reconnect: { maxDelay: 500 } })).reconnect).toEqual({ ...DEFAULT_RECONNECT, baseDelay: 500, maxDelay: 500 });
      expect(validateOptions(withUrl({ reconnect: { baseDelay: 60_000 } })).reconnect).toEqual({ ...DEFAULT_RECONNECT, baseDelay: 60_000, maxDelay: 60_000 });
    });

    it("accepts the other options in their documented forms", () => {
      const opts = validateOptions(
        withUrl({
          name: { global: ["feed", "btc"] },
          connectTimeout: Infinity,
          closeTimeout: Infinity,
          transportOpts: { rejectUnauthorized: false, servername: "example.com" },
          protocols: ["v2.feed", "v1.feed"],
          heartbeat: { interval: 30_000, timeout: 5000 },
          maxQueue: 0,
          maxPayload: 1,
          perMessageDeflate: { threshold: 1024 },
        }),
      );
      expect(opts.name).toEqual({ global: ["feed", "btc"] });
      expect(opts.protocols).toEqual(["v2.feed", "v1.feed"]);
      expect(opts.heartbeat).toEqual({ interval: 30_000, timeout: 5000 });
      expect(opts.perMessageDeflate).toEqual({ threshold: 1024 });
      expect(opts.transportOpts).toEqual({ rejectUnauthorized: false, servername: "example.com" });
    });

    it("rejects options that are not an object", () => {
      rejects("ws://x", 'invalid options: expected an object with at least a url, got "ws://x"');
    });

    it("rejects a missing url", () => {
      rejects({}, `invalid url: expected ${URL_FORMS}, got undefined`);
    });

    it("rejects a url that is not a string", () => {
      rejects({ url: new URL("ws://x") }, `invalid url: expected ${URL_FORMS}, got ws://x/`);
    });

    it("rejects a url that does not parse", () => {
      rejects({ url: "not a url" }, `invalid url: expected ${URL_FORMS}, got "not a url"`);
    });

    it("rejects a scheme other than ws: or wss:", () => {
      rejects({ url: "https://example.com" }, `invalid url: expected ${URL_FORMS}, got "https://example.com"`);
    });

    it("rejects a url with a fragment", () => {
      rejects({ url: "ws://example.com/#top" }, `invalid url: expected ${URL_FORMS}, got "ws://example.com/#top"`);
    });

    it("hides credentials of a rejected url", () => {
      rejects({ url: `http://me:${SECRET}@example.com/` }, `invalid url: expected ${URL_FORMS}, got "http://redacted:redacted@example.com/"`);
    });

    it("rejects an unknown option, listing the known ones", () => {
      const err = rejects(withUrl({ recconect: true }), "invalid recconect: expected one of the options url, name, headers, connectTimeout, transportOpts, protocols, reconnect, heartbeat, closeTimeout, maxQueue, maxPayload, perMessageDeflate, maxBuffered, active, codec, got true");
      expect(err.option).toBe("recconect");
    });

    it("hides the value of an unknown option with a secret-looking name", () => {
      const err = failure(() => validateOptions(withUrl({ apiToken: SECRET })));
      expect(err.message).toMatch(/^invalid apiToken: expected one of the options url, .*, got <redacted string>$/);
    });

    it("rejects a bad name, listing the accepted forms", () => {
      rejects(withUrl({ name: 42 }), "invalid name: expected a non-empty string, { global: term } or { via: [module, term] }, got 42");
    });

    it("rejects headers that are neither an object nor an array, without showing them", () => {
      rejects(withUrl({ headers: `Authorization: ${SECRET}` }), "invalid headers: expected an object or an array of [name, value] pairs of strings, got <redacted string>");
    });

    it("rejects a header list entry that is not a [name, value] pair", () => {
      rejects(withUrl({ headers: [["a", "1"], [SECRET]] }), "invalid headers[1]: expected a [name, value] pair of strings, got <redacted array>");
    });

    it("rejects CR, LF or NUL in a header value, naming the header only", () => {
      for (const bad of ["\r", "\n", "\0"]) {
        rejects(withUrl({ headers: { Authorization: `Bearer ${SECRET}${bad}x` } }), 'invalid headers["Authorization"]: expected a string without CR, LF, NUL or other control characters, got <redacted string>');
      }
    });

    it("rejects a header value that is not a string", () => {
      rejects(withUrl({ headers: [["X-Count", 3]] }), 'invalid headers["X-Count"]: expected a string without CR, LF, NUL or other control characters, got <redacted number>');
    });

    it("rejects CR, LF, NUL or a colon in a header name, showing only its valid prefix", () => {
      rejects(withUrl({ headers: [[`Authorization: Bearer ${SECRET}`, ""]] }), 'invalid headers["Authorization…"]: expected a token (no CR, LF, NUL, spaces or colons), got "Authorization…"');
      rejects(withUrl({ headers: { "X-A\r\nX-B": "1" } }), 'invalid headers["X-A…"]: expected a token (no CR, LF, NUL, spaces or colons), got "X-A…"');
    });

    it("rejects a header the handshake sets itself", () => {
      rejects(withUrl({ headers: { "Sec-WebSocket-Protocol": "v1" } }), 'invalid headers["Sec-WebSocket-Protocol"]: expected a header the handshake does not set (see protocols and perMessageDeflate), got "Sec-WebSocket-Protocol"');
    });

    it("rejects a header given twice in different letter case", () => {
      rejects(withUrl({ headers: [["X-Id", "1"], ["x-id", "2"]] }), 'invalid headers["x-id"]: expected header names that differ beyond letter case, got "x-id"');
    });

    it("rejects a connectTimeout that is not a positive number of ms", () => {
      rejects(withUrl({ connectTimeout: 0 }), `invalid connectTimeout: expected ${TIMEOUT}, or Infinity, got 0`);
    });

    it("rejects a finite connectTimeout beyond the timer range", () => {
      rejects(withUrl({ connectTimeout: 2 ** 31 }), `invalid connectTimeout: expected ${TIMEOUT}, or Infinity, got 2147483648`);
    });

    it("rejects a closeTimeout that is not a positive number of ms", () => {
      rejects(withUrl({ closeTimeout: "5s" }), `invalid closeTimeout: expected ${TIMEOUT}, or Infinity, got "5s"`);
    });

    it("rejects transportOpts that are not an object, without showing them", () => {
      rejects(withUrl({ transportOpts: "key.pem" }), "invalid transportOpts: expected an object of ws and TLS socket options, got <redacted string>");
    });

    it("rejects a transportOpts entry the client sets itself", () => {
      rejects(withUrl({ transportOpts: { handshakeTimeout: 5 } }), "invalid transportOpts.handshakeTimeout: expected no value: the client sets it (option: connectTimeout), got 5");
      rejects(withUrl({ transportOpts: { headers: { cookie: SECRET } } }), "invalid transportOpts.headers: expected no value: the client sets it (option: headers), got <redacted object>");
      rejects(withUrl({ transportOpts: { followRedirects: true } }), "invalid transportOpts.followRedirects: expected no value: the client sets it (option: none, redirects are not followed), got true");
      rejects(withUrl({ transportOpts: { closeTimeout: 10 } }), "invalid transportOpts.closeTimeout: expected no value: the client sets it (option: closeTimeout), got 10");
    });

    it("rejects protocols that are not an array", () => {
      rejects(withUrl({ protocols: "v1" }), 'invalid protocols: expected an array of subprotocol names, got "v1"');
    });

    it("rejects an empty or non-token protocol", () => {
      rejects(withUrl({ protocols: ["v1", ""] }), 'invalid protocols[1]: expected a non-empty string of token characters, got ""');
      rejects(withUrl({ protocols: ["v 1"] }), 'invalid protocols[0]: expected a non-empty string of token characters, got "v 1"');
    });

    it("rejects a protocol offered twice", () => {
      rejects(withUrl({ protocols: ["v1", "v1"] }), 'invalid protocols[1]: expected a subprotocol not offered twice, got "v1"');
    });

    it("rejects a reconnect that is not a boolean or an object", () => {
      rejects(withUrl({ reconnect: "yes" }), 'invalid reconnect: expected true, false or { baseDelay, maxDelay, maxRetries }, got "yes"');
    });

    it("rejects an unknown reconnect field", () => {
      rejects(withUrl({ reconnect: { retries: 3 } }), "invalid reconnect.retries: expected baseDelay, maxDelay or maxRetries, got 3");
    });

    it("rejects a negative or non-finite baseDelay", () => {
      rejects(withUrl({ reconnect: { baseDelay: -1 } }), "invalid reconnect.baseDelay: expected a number of ms from 0 to 2147483647, got -1");
    });

    it("rejects a maxDelay below baseDelay", () => {
      rejects(withUrl({ reconnect: { baseDelay: 20, maxDelay: 10 } }), "invalid reconnect.maxDelay: expected a number of ms from baseDelay (20) to 2147483647, got 10");
    });

    it("rejects a maxRetries that is not a non-negative integer or Infinity", () => {
      rejects(withUrl({ reconnect: { maxRetries: 1.5 } }), "invalid reconnect.maxRetries: expected an integer ≥ 0 or Infinity, got 1.5");
    });

    it("rejects a heartbeat that is not false or an object", () => {
      rejects(withUrl({ heartbeat: true }), "invalid heartbeat: expected false or { interval, timeout } in ms, got true");
    });

    it("rejects an unknown heartbeat field", () => {
      rejects(withUrl({ heartbeat: { interval: 1, timeout: 1, every: 2 } }), "invalid heartbeat.every: expected interval or timeout, got 2");
    });

    it("rejects a heartbeat interval or timeout that is missing, zero or infinite", () => {
      rejects(withUrl({ heartbeat: { interval: 0, timeout: 1 } }), `invalid heartbeat.interval: expected ${TIMEOUT}, got 0`);
      rejects(withUrl({ heartbeat: { interval: 1 } }), `invalid heartbeat.timeout: expected ${TIMEOUT}, got undefined`);
      rejects(withUrl({ heartbeat: { interval: 1, timeout: Infinity } }), `invalid heartbeat.timeout: expected ${TIMEOUT}, got Infinity`);
    });

    it("rejects a maxQueue that is not a non-negative integer", () => {
      rejects(withUrl({ maxQueue: -1 }), "invalid maxQueue: expected an integer ≥ 0, got -1");
    });

    it("rejects a maxPayload that is not a positive integer", () => {
      rejects(withUrl({ maxPayload: 0 }), "invalid maxPayload: expected an integer ≥ 1, got 0");
    });

    it("rejects a perMessageDeflate that is neither a boolean nor an object", () => {
      rejects(withUrl({ perMessageDeflate: "on" }), 'invalid perMessageDeflate: expected a boolean or an object of ws permessage-deflate options, got "on"');
    });

    const option = fc.constantFrom("url", "name", "headers", "connectTimeout", "transportOpts", "protocols", "reconnect", "heartbeat", "closeTimeout", "maxQueue", "maxPayload", "perMessageDeflate", "typo", "apiKey");
    const value = fc.oneof(
      fc.anything(),
      fc.constantFrom("ws://a", "wss://b/c", "http://a", true, false, 0, 1, -1, 1.5, Infinity, "", "v1", ["v1"], { interval: 1, timeout: 2 }),
      fc.dictionary(fc.constantFrom("baseDelay", "maxDelay", "maxRetries", "X-Id", "interval", "timeout"), fc.oneof(fc.integer(), fc.string())),
    );

    it("property: any options object gives valid ClientOptions or an OptionsError naming the option", () => {
      fc.assert(
        fc.property(fc.dictionary(option, value), fc.boolean(), (opts, addUrl) => {
          const input = addUrl ? { url: "ws://localhost/", ...opts } : opts;
          let result: ClientOptions;
          try {
            result = validateOptions(input);
          } catch (err) {
            expect(err).toBeInstanceOf(OptionsError);
            const { option: name, message } = err as OptionsError;
            expect(message.startsWith(`invalid ${name}: expected `)).toBe(true);
            // The option named is one that was given, or the required url.
            expect([...Object.keys(input), "url"]).toContain(/^[A-Za-z]+/.exec(name)?.[0]);
            return;
          }
          expect(Object.isFrozen(result)).toBe(true);
          expect(typeof result.url).toBe("string");
          expect(result.maxPayload).toBeGreaterThanOrEqual(1);
        }),
      );
    });

    it("keeps a header named __proto__ as a header", () => {
      const { headers } = validateOptions(withUrl({ headers: [["__proto__", "x"]] }));
      expect(Object.keys(headers)).toEqual(["__proto__"]);
      expect(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value).toBe("x");
    });

    it("property: valid options pass, keeping every value given", () => {
      const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
      const ms = fc.integer({ min: 1, max: 2_147_483_647 });
      const valid = fc.record(
        {
          url: fc.constantFrom("ws://localhost/", "wss://example.com:8443/a?b=c"),
          name: fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue().map((global) => ({ global }))),
          headers: fc.uniqueArray(fc.tuple(token.filter(isUserHeader), fc.stringMatching(/^[ -~]*$/)), {
            selector: ([name]) => name.toLowerCase(),
            maxLength: 4,
          }),
          connectTimeout: fc.oneof(ms, fc.constant(Infinity)),
          protocols: fc.uniqueArray(token, { maxLength: 3 }),
          heartbeat: fc.oneof(fc.constant(false as const), fc.record({ interval: ms, timeout: ms })),
          maxQueue: fc.nat(),
          maxPayload: fc.integer({ min: 1 }),
          perMessageDeflate: fc.boolean(),
        },
        { requiredKeys: ["url"] },
      );
      fc.assert(
        fc.property(valid, (opts) => {
          const result = validateOptions(opts);
          for (const [key, given] of Object.entries(opts)) {
            expect(result[key as keyof ClientOptions]).toEqual(key === "headers" ? Object.fromEntries(given as [string, string][]) : given);
          }
        }),
      );
    });

    it("property: header values never appear in an error message", () => {
      const secret = fc.string({ minLength: 12 }).map((s) => `${SECRET}${s}`);
      const headers = fc.oneof(
        secret.map((s) => ({ Authorization: `${s}\r\n` })),
        secret.map((s) => [["Cookie", `${s}\0`]]),
        secret.map((s) => [[s]]),
        secret,
      );
      fc.assert(
        fc.property(headers, (h) => {
          const err = failure(() => validateOptions(withUrl({ headers: h })));
          expect(err.message).not.toContain(SECRET);
        }),
      );
    });
  });

  describe("mergeConnectOverrides", () => {
    const current = validateOptions(withUrl({ headers: { "X-Id": "1" }, protocols: ["v1"], reconnect: true }));

    it("returns the current options when nothing changes", () => {
      expect(mergeConnectOverrides(current, {})).toBe(current);
      expect(mergeConnectOverrides(current, { url: undefined })).toBe(current);
    });

    it("replaces url, headers and protocols, keeping the rest", () => {
      const next = mergeConnectOverrides(current, { url: "ws://backup/", headers: [["X-Id", "2"]], protocols: [] });
      expect(next).toEqual({ ...current, url: "ws://backup/", headers: { "X-Id": "2" }, protocols: [] });
      expect(Object.isFrozen(next)).toBe(true);
    });

    it("rejects overrides that are not an object", () => {
      const err = failure(() => mergeConnectOverrides(current, "ws://backup/"));
      expect(err.message).toBe("invalid reconnect overrides: expected an object of url, headers or protocols, got <redacted string>");
    });

    it("rejects any option other than url, headers or protocols", () => {
      const err = failure(() => mergeConnectOverrides(current, { maxQueue: 3 }));
      expect(err.message).toBe("invalid maxQueue: expected url, headers or protocols (the options a reconnect may change), got 3");
    });

    it("validates the new values as validateOptions does", () => {
      const err = failure(() => mergeConnectOverrides(current, { url: "http://backup/" }));
      expect(err.message).toBe(`invalid url: expected ${URL_FORMS}, got "http://backup/"`);
    });
  });

  describe("redactHeaders", () => {
    it("hides credentials and keeps the rest", () => {
      const headers = {
        Authorization: "Bearer x",
        "proxy-authorization": "Basic y",
        cookie: "a=b",
        "Set-Cookie": ["c=d"],
        "X-Api-Key": "k",
        "x-auth-token": "t",
        "X-Client-Secret": "s",
        "content-type": "text/plain",
        upgrade: "websocket",
      };
      expect(redactHeaders(headers)).toEqual({
        Authorization: "[redacted]",
        "proxy-authorization": "[redacted]",
        cookie: "[redacted]",
        "Set-Cookie": "[redacted]",
        "X-Api-Key": "[redacted]",
        "x-auth-token": "[redacted]",
        "X-Client-Secret": "[redacted]",
        "content-type": "text/plain",
        upgrade: "websocket",
      });
    });

    it("returns a copy", () => {
      const headers = { authorization: "x" };
      expect(redactHeaders(headers)).not.toBe(headers);
      expect(headers.authorization).toBe("x");
    });
  });
});
