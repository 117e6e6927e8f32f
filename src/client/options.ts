/**
 * The client's options: the user-facing `ConnectOptions`, their validation into a frozen
 * `ClientOptions` with every default filled in, and the overrides `handleDisconnect` may return.
 * Header values are secrets (tokens, cookies): no message shows them.
 */
import type { ClientOptions as WsClientOptions, PerMessageDeflateOptions } from "ws";
import { OptionsError } from "../runtime/errors.ts";
import { validateName, type Name } from "../runtime/names/names-types.ts";
import { isPlainObject, MAX_TIMER_MS } from "../runtime/predicates.ts";
import { guarded } from "../runtime/unreadable.ts";
import { isSecretName, redactUrl } from "../runtime/secrets.ts";
import { type ClientCodec, type Codec, validateCodec } from "./codec.ts";

/** Request headers: an object, or a list of `[name, value]` pairs. */
export type HeadersOption = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/**
 * TLS and socket options passed to `ws` (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`,
 * `family`, `agent`, ...), minus those the client derives from its own options, which are an
 * `OptionsError` here: `headers` (use `headers`), `protocol` (use `protocols`), `handshakeTimeout`
 * (use `connectTimeout`), `maxPayload` and `perMessageDeflate` (use the options of the same name),
 * `autoPong` (pings are always answered), `followRedirects` and `maxRedirects` (the client does not
 * follow redirects: a 3xx answer is an `UpgradeError`), and `closeTimeout` (use `closeTimeout`).
 */
export type TransportOptions = Omit<
  WsClientOptions,
  "headers" | "protocol" | "handshakeTimeout" | "maxPayload" | "perMessageDeflate" | "autoPong" | "followRedirects" | "maxRedirects"
>;

/**
 * The backoff policy for reconnection. The delay before retry n (0 for the first) is drawn from
 * `[half + 1, 2 * half]`, where `d = min(baseDelay * 2^n, maxDelay)` and `half = max(floor(d / 2), 1)`.
 * The `reconnect` option takes any subset of it; the omitted fields take their defaults.
 */
export interface ReconnectPolicy {
  /**
   * The nominal delay before the first retry, in ms, doubled for each further retry. Default 1000
   * (or `maxDelay` when that is given and smaller).
   */
  readonly baseDelay: number;
  /** The cap on the nominal delay, in ms; at least `baseDelay`. Default 30000 (or `baseDelay` when that is larger). */
  readonly maxDelay: number;
  /**
   * How many retries in a row the client makes: when retry number `maxRetries` fails as well (with
   * 0: at the first failure), the client exits with `["error", "max_retries_exceeded"]`. An integer
   * ≥ 0, or Infinity (the default).
   */
  readonly maxRetries: number;
}

/** Ping every `interval` ms while connected; without a pong or data within `timeout` ms, disconnect. */
export interface HeartbeatPolicy {
  /** Milliseconds between two pings while connected; the first goes out `interval` after the connection opens. */
  readonly interval: number;
  /**
   * Milliseconds after an unanswered ping within which something (a pong, any frame) must arrive;
   * otherwise the client drops the socket and calls `handleDisconnect` with `"heartbeat_timeout"`.
   */
  readonly timeout: number;
}

/** The options of `Parley.start` / `startLink`, as users write them. Only `url` is required. */
export interface ConnectOptions {
  /** `ws://` or `wss://` URL to dial. Required. */
  readonly url: string;
  /** Register the client under this name. */
  readonly name?: Name | undefined;
  /** Extra request headers for the opening handshake. Default `{}`. */
  readonly headers?: HeadersOption | undefined;
  /** Ms for the whole opening handshake: TCP, TLS and upgrade. Default 10000. */
  readonly connectTimeout?: number | undefined;
  /** TLS and socket options for `ws` (`ca`, `cert`, `key`, `servername`, `family`, `agent`, ...). Default `{}`. */
  readonly transportOpts?: TransportOptions | undefined;
  /** `Sec-WebSocket-Protocol` offers, in order of preference. Default `[]`. */
  readonly protocols?: readonly string[] | undefined;
  /** Reconnect after a failure: `true` for the default backoff, or a partial policy. Default `false`. */
  readonly reconnect?: boolean | Partial<ReconnectPolicy> | undefined;
  /** Ping while connected, disconnecting with `"heartbeat_timeout"` when nothing comes back. Default `false`. */
  readonly heartbeat?: false | HeartbeatPolicy | undefined;
  /** Ms to wait for the server's close reply. Default 5000. */
  readonly closeTimeout?: number | undefined;
  /** Frames that may wait while connecting. Default 1000. */
  readonly maxQueue?: number | undefined;
  /** Largest incoming message in bytes; a bigger one closes with 1009. Default 67108864 (64 MiB). */
  readonly maxPayload?: number | undefined;
  /** Negotiate permessage-deflate, with `ws` options when an object. Default `false`. */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
  /**
   * Received frames that may wait unhandled in the client's mailbox. At this many, the client stops
   * reading the socket (TCP then stalls the server's writes) until `handleFrame` has caught up to
   * half of it. Default 1000. The same bound holds in pull mode (`active: false`) for the frames
   * waiting for `Parley.recv` or `Parley.stream`.
   */
  readonly maxBuffered?: number | undefined;
  /**
   * `true`: received frames go to `handleFrame`. `false` (pull mode): they wait, in order, for
   * `Parley.recv` and `Parley.stream` (hackney_ws's passive mode); `handleFrame` is not called.
   * Default `true`.
   */
  readonly active?: boolean | undefined;
  /**
   * Encodes what `Parley.send` and pushes take and decodes what arrives (see {@link Codec});
   * `codecs.json` for JSON text frames. The client's `In` and `Out` type parameters should match
   * it. Default: none, frames as they are.
   */
  readonly codec?: Codec<unknown, unknown> | undefined;
}

/** Validated options with every default filled in; frozen, so they can be shared freely. */
export interface ClientOptions {
  readonly url: string;
  readonly name: Name | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeout: number;
  readonly transportOpts: Readonly<TransportOptions>;
  readonly protocols: readonly string[];
  readonly reconnect: false | ReconnectPolicy;
  readonly heartbeat: false | HeartbeatPolicy;
  readonly closeTimeout: number;
  readonly maxQueue: number;
  readonly maxPayload: number;
  readonly perMessageDeflate: boolean | Readonly<PerMessageDeflateOptions>;
  readonly maxBuffered: number;
  readonly active: boolean;
  readonly codec: ClientCodec | undefined;
}

/** The policy of `reconnect: true`, and of a `["reconnect", s]` decision when `reconnect` is false. */
export const DEFAULT_RECONNECT: ReconnectPolicy = Object.freeze({
  baseDelay: 1000,
  maxDelay: 30_000,
  maxRetries: Infinity,
});

const KNOWN = Object.freeze(["url", "name", "headers", "connectTimeout", "transportOpts", "protocols", "reconnect",
  "heartbeat", "closeTimeout", "maxQueue", "maxPayload", "perMessageDeflate", "maxBuffered", "active", "codec"]);
const OVERRIDABLE = Object.freeze(["url", "headers", "protocols"]);
// ws options the client derives from its own (value: the option to use instead); two sources would disagree.
// Typed by what TransportOptions leaves out, so the two lists cannot drift apart.
const MANAGED: { readonly [K in Exclude<keyof WsClientOptions, keyof TransportOptions>]: string } = {
  headers: "headers", protocol: "protocols", handshakeTimeout: "connectTimeout",
  maxPayload: "maxPayload", perMessageDeflate: "perMessageDeflate", autoPong: "none, pings are answered",
  followRedirects: "none, redirects are not followed", maxRedirects: "none, redirects are not followed" };
// ws takes closeTimeout too, though @types/ws does not list it: the client sets it from its own option.
const MANAGED_UNTYPED: Readonly<Record<string, string>> = { closeTimeout: "closeTimeout" };
// Headers ws computes for the handshake: a user copy would be overwritten, or sent twice in another case.
const HANDSHAKE_HEADERS = new Set(["connection", "upgrade", "sec-websocket-key", "sec-websocket-version",
  "sec-websocket-extensions", "sec-websocket-protocol"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN_PREFIX = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*/;
// What Node's http accepts in a header value, so a value never fails later, at dial time.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const NONE = Object.freeze({});
const NO_PROTOCOLS: readonly string[] = Object.freeze([]);

/**
 * Validates the options of `Parley.start` / `startLink` and fills in the defaults.
 *
 * @param opts - the options object as given by the user.
 * @returns frozen `ClientOptions`.
 * @throws {OptionsError} naming the first bad option (in table order), the forms it accepts and the value
 *   given; header values, TLS options and unknown options with secret-looking names show as `<redacted …>`.
 */
export function validateOptions(opts: unknown): ClientOptions {
  const o = field("options", () => {
    if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
      throw new OptionsError("options", opts, "an object with at least a url");
    }
    const given = opts as Record<string, unknown>;
    rejectUnknown(given, KNOWN, `one of the options ${KNOWN.join(", ")}`);
    return given;
  });
  // Only undefined (or an omitted option) takes the default: null is a wrong type like any other.
  const read = <T>(option: string, fallback: T, check: (value: unknown) => T): T =>
    field(option, () => {
      const value = o[option];
      return value === undefined ? fallback : check(value);
    });
  return Object.freeze({
    url: field("url", () => validateUrl(o["url"])),
    name: read("name", undefined, (v) => validateName(v)),
    // Omitted options share one frozen empty value: thousands of clients need not each hold three.
    headers: read("headers", NONE, validateHeaders),
    connectTimeout: read("connectTimeout", 10_000, (v) => timeout("connectTimeout", v, true)),
    transportOpts: read("transportOpts", NONE, validateTransport),
    protocols: read("protocols", NO_PROTOCOLS, validateProtocols),
    reconnect: read("reconnect", false, (v) => (v === false ? false : validateReconnect(v))),
    heartbeat: read("heartbeat", false, (v) => (v === false ? false : validateHeartbeat(v))),
    closeTimeout: read("closeTimeout", 5000, (v) => timeout("closeTimeout", v, true)),
    maxQueue: read("maxQueue", 1000, (v) => integer("maxQueue", v, 0)),
    maxPayload: read("maxPayload", 67_108_864, (v) => integer("maxPayload", v, 1)),
    perMessageDeflate: read("perMessageDeflate", false, validateDeflate),
    maxBuffered: read("maxBuffered", 1000, (v) => integer("maxBuffered", v, 1)),
    active: read("active", true, validateActive),
    codec: read("codec", undefined, validateCodec),
  });
}

/**
 * Applies the overrides of a `["reconnect", s, overrides]` decision to the options in force.
 *
 * @param current - the options in force.
 * @param overrides - the decision's third element; only `url`, `headers` and `protocols` may be set.
 * @returns new frozen `ClientOptions`, or `current` when nothing changes.
 * @throws {OptionsError} when `overrides` is not an object, sets another option, or sets a bad value.
 */
export function mergeConnectOverrides(current: ClientOptions, overrides: unknown): ClientOptions {
  return field("reconnect overrides", () => applyOverrides(current, overrides));
}

function applyOverrides(current: ClientOptions, overrides: unknown): ClientOptions {
  if (!isPlainObject(overrides)) {
    throw new OptionsError("reconnect overrides", redacted(overrides), "an object of url, headers or protocols");
  }
  rejectUnknown(overrides, OVERRIDABLE, "url, headers or protocols (the options a reconnect may change)");
  const { url, headers, protocols } = overrides;
  if (url === undefined && headers === undefined && protocols === undefined) return current;
  return Object.freeze({
    ...current,
    url: url === undefined ? current.url : validateUrl(url),
    headers: headers === undefined ? current.headers : validateHeaders(headers),
    protocols: protocols === undefined ? current.protocols : validateProtocols(protocols),
  });
}

function rejectUnknown(o: Record<string, unknown>, known: readonly string[], expected: string, prefix = ""): void {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    throw new OptionsError(prefix + key, isSecretName(key) ? redacted(o[key]) : o[key], expected);
  }
}

function validateUrl(url: unknown): string {
  const expected = "a ws:// or wss:// URL string without a #fragment";
  if (typeof url !== "string") throw new OptionsError("url", url, expected);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // ws refuses a fragment only when it dials; checking here keeps every bad URL an OptionsError.
  if (parsed !== undefined && (parsed.protocol === "ws:" || parsed.protocol === "wss:") && parsed.hash === "") return url;
  throw new OptionsError("url", redactUrl(url), expected);
}

function validateHeaders(headers: unknown): Readonly<Record<string, string>> {
  let entries: ReadonlyArray<readonly [string, unknown]>;
  if (Array.isArray(headers)) {
    // Array.from visits holes, which map would skip.
    entries = Array.from(headers, (pair: unknown, i): [string, unknown] => {
      if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string") return [pair[0], pair[1]];
      throw new OptionsError(`headers[${i}]`, redacted(pair), "a [name, value] pair of strings");
    });
  } else if (isPlainObject(headers)) {
    entries = Object.entries(headers);
  } else {
    throw new OptionsError("headers", redacted(headers), "an object or an array of [name, value] pairs of strings");
  }
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    if (!TOKEN.test(name)) {
      // Only the valid prefix shows: a name like "Authorization: Bearer …" would carry its secret along.
      const shown = `${TOKEN_PREFIX.exec(name)?.[0] ?? ""}…`;
      throw new OptionsError(`headers[${JSON.stringify(shown)}]`, shown, "a token (no CR, LF, NUL, spaces or colons)");
    }
    const option = `headers[${JSON.stringify(name)}]`;
    const lower = name.toLowerCase();
    if (HANDSHAKE_HEADERS.has(lower)) {
      throw new OptionsError(option, name, "a header the handshake does not set (see protocols and perMessageDeflate)");
    }
    if (seen.has(lower)) throw new OptionsError(option, name, "header names that differ beyond letter case");
    if (typeof value !== "string" || !HEADER_VALUE.test(value)) {
      throw new OptionsError(option, redacted(value), "a string without CR, LF, NUL or other control characters");
    }
    seen.add(lower);
    // defineProperty, not assignment: a header named "__proto__" must stay a header.
    Object.defineProperty(out, name, { value, enumerable: true });
  }
  return Object.freeze(out);
}

function validateProtocols(protocols: unknown): readonly string[] {
  if (!Array.isArray(protocols)) throw new OptionsError("protocols", protocols, "an array of subprotocol names");
  const seen = new Set<string>();
  return Object.freeze(Array.from(protocols, (p: unknown, i) => {
    if (typeof p !== "string" || !TOKEN.test(p)) {
      throw new OptionsError(`protocols[${i}]`, p, "a non-empty string of token characters");
    }
    if (seen.has(p)) throw new OptionsError(`protocols[${i}]`, p, "a subprotocol not offered twice");
    seen.add(p);
    return p;
  }));
}

function validateTransport(t: unknown): Readonly<TransportOptions> {
  // TLS options hold private keys and passphrases: only their type may show.
  if (!isPlainObject(t)) throw new OptionsError("transportOpts", redacted(t), "an object of ws and TLS socket options");
  for (const [key, instead] of [...Object.entries(MANAGED), ...Object.entries(MANAGED_UNTYPED)]) {
    const value = t[key];
    if (value === undefined) continue;
    const shown = key === "headers" ? redacted(value) : value;
    throw new OptionsError(`transportOpts.${key}`, shown, `no value: the client sets it (option: ${instead})`);
  }
  return Object.freeze({ ...t } as TransportOptions);
}

function validateReconnect(r: unknown): ReconnectPolicy {
  if (r === true) return DEFAULT_RECONNECT;
  if (!isPlainObject(r)) throw new OptionsError("reconnect", r, "true, false or { baseDelay, maxDelay, maxRetries }");
  rejectUnknown(r, ["baseDelay", "maxDelay", "maxRetries"], "baseDelay, maxDelay or maxRetries", "reconnect.");
  // An omitted bound never contradicts the given one: its default bends to it.
  const given = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);
  const maxDelay = orDefault(r["maxDelay"], () => Math.max(DEFAULT_RECONNECT.maxDelay, given(r["baseDelay"], 0)));
  const baseDelay = orDefault(r["baseDelay"], () => Math.min(DEFAULT_RECONNECT.baseDelay, given(maxDelay, Infinity)));
  if (typeof baseDelay !== "number" || !(baseDelay >= 0 && baseDelay <= MAX_TIMER_MS)) {
    throw new OptionsError("reconnect.baseDelay", baseDelay, `a number of ms from 0 to ${MAX_TIMER_MS}`);
  }
  if (typeof maxDelay !== "number" || !(maxDelay >= baseDelay && maxDelay <= MAX_TIMER_MS)) {
    throw new OptionsError("reconnect.maxDelay", maxDelay,
      `a number of ms from baseDelay (${baseDelay}) to ${MAX_TIMER_MS}`);
  }
  const maxRetries = orDefault(r["maxRetries"], () => Infinity);
  if (maxRetries === Infinity || (Number.isSafeInteger(maxRetries) && (maxRetries as number) >= 0)) {
    return Object.freeze({ baseDelay, maxDelay, maxRetries: maxRetries as number });
  }
  throw new OptionsError("reconnect.maxRetries", maxRetries, "an integer ≥ 0 or Infinity");
}

function validateHeartbeat(h: unknown): HeartbeatPolicy {
  if (!isPlainObject(h)) throw new OptionsError("heartbeat", h, "false or { interval, timeout } in ms");
  rejectUnknown(h, ["interval", "timeout"], "interval or timeout", "heartbeat.");
  const interval = timeout("heartbeat.interval", h["interval"], false);
  return Object.freeze({ interval, timeout: timeout("heartbeat.timeout", h["timeout"], false) });
}

function validateActive(a: unknown): boolean {
  if (typeof a === "boolean") return a;
  throw new OptionsError("active", a, "true (frames go to handleFrame) or false (frames wait for Parley.recv and Parley.stream)");
}

function validateDeflate(d: unknown): boolean | Readonly<PerMessageDeflateOptions> {
  if (typeof d === "boolean") return d;
  if (isPlainObject(d)) return Object.freeze({ ...d } as PerMessageDeflateOptions);
  throw new OptionsError("perMessageDeflate", d, "a boolean or an object of ws permessage-deflate options");
}

function timeout(option: string, value: unknown, allowInfinity: boolean): number {
  if (typeof value === "number" && value > 0 && (value <= MAX_TIMER_MS || (allowInfinity && value === Infinity))) {
    return value;
  }
  const expected = `a number of ms above 0, at most ${MAX_TIMER_MS}${allowInfinity ? ", or Infinity" : ""}`;
  throw new OptionsError(option, value, expected);
}

/** `value`, or the default when it is undefined (only then: null is a value of the wrong type). */
function orDefault(value: unknown, fallback: () => number): unknown {
  return value === undefined ? fallback() : value;
}

/**
 * Validates one option: what reading it throws (a getter, a Proxy trap) becomes an OptionsError
 * naming the option, so a hostile options object is refused like any other bad one.
 */
function field<T>(option: string, validate: () => T): T {
  return guarded(validate, (unreadable) => new OptionsError(option, unreadable, "a value whose properties can be read"));
}

function integer(option: string, value: unknown, min: number): number {
  if (Number.isSafeInteger(value) && (value as number) >= min) return value as number;
  throw new OptionsError(option, value, `an integer ≥ ${min}`);
}

// Stands in for a secret in an OptionsError: formatTerm prints its toString, so the type shows, not the content.
class Redacted {
  constructor(private readonly type: string) {}
  toString(): string {
    return `<redacted ${this.type}>`;
  }
}

function redacted(value: unknown): Redacted {
  return new Redacted(value === null ? "null" : Array.isArray(value) ? "array" : typeof value);
}

