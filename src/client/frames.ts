/**
 * The frames a client sends and receives, and the checks run before anything reaches `ws`: a
 * malformed frame is refused here with an `InvalidFrameError`, so the connection is never touched.
 */
import { Buffer } from "node:buffer";
import { types } from "node:util";
import { OptionsError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { describeError } from "../runtime/unreadable.ts";
import { InvalidFrameError } from "./errors.ts";

/** A WebSocket data or control frame, tagged by its type. */
export type Frame =
  | readonly ["text", string]
  | readonly ["binary", Uint8Array]
  | readonly ["ping", Uint8Array]
  | readonly ["pong", Uint8Array];

/** A pong: what `handleFrame`, `Parley.recv` and `Parley.stream` get for one, codec or not. */
export type PongFrame = readonly ["pong", Uint8Array];

/** The code and reason of a close frame. */
export type CloseFrame = readonly [code: number, reason: string];

// RFC 6455 §5.5: control frames carry at most 125 bytes; a close frame spends 2 of them on its code.
const MAX_CONTROL_PAYLOAD = 125;
const MAX_CLOSE_REASON = 123;
const CLOSE_CODES = "1000, 1001–1003, 1007–1014 or 3000–4999";

// The accessors every typed array inherits: an own `byteLength` or `buffer` property on a hostile
// Uint8Array cannot shadow them.
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (name: string): ((this: Uint8Array) => never) =>
  Object.getOwnPropertyDescriptor(TYPED_ARRAY, name)!.get as (this: Uint8Array) => never;
const byteLengthOf: (this: Uint8Array) => number = intrinsic("byteLength");
const byteOffsetOf: (this: Uint8Array) => number = intrinsic("byteOffset");
const bufferOf: (this: Uint8Array) => ArrayBufferLike = intrinsic("buffer");

/** A fresh Buffer over the bytes of `bytes`: what `ws` then reads is ours, not the caller's object. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bufferOf.call(bytes), byteOffsetOf.call(bytes), byteLengthOf.call(bytes));
}

/**
 * Checks that `frame` is a `Frame` and returns it unchanged (the same reference), allocating nothing.
 *
 * @param frame - the value given to `sendFrame`, `sendFrameAsync` or a `["push", frame, s]` result.
 * @returns `frame`, typed as a `Frame`.
 * @throws {InvalidFrameError} when `frame` is not a two-element array, its type is not `"text"`,
 *   `"binary"`, `"ping"` or `"pong"`, a text payload is not a string, another payload is not a
 *   `Uint8Array` (a `Buffer` is one), a ping or pong payload is over 125 bytes, or reading it threw
 *   (a throwing getter, a revoked Proxy).
 */
export function validateFrame(frame: unknown): Frame {
  readFrame(frame);
  return frame as Frame;
}

/**
 * Checks a frame a caller handed over and returns a copy the client can trust: every property of
 * `value` is read exactly once, here, so a getter or a Proxy that answers differently later (or
 * throws) can never reach the client process. A binary, ping or pong payload becomes a fresh
 * `Buffer` view of the same bytes (no copy), read through the intrinsic accessors.
 *
 * @throws {InvalidFrameError} as {@link validateFrame}.
 */
export function readFrame(value: unknown): Frame {
  let type: unknown;
  let payload: unknown;
  try {
    if (!Array.isArray(value)) throw new InvalidFrameError(value, "expected a [type, payload] array");
    const length: unknown = value.length;
    if (length !== 2) throw new InvalidFrameError(value, `expected 2 elements [type, payload], got ${formatTerm(length)}`);
    type = value[0];
    payload = value[1];
  } catch (err) {
    if (err instanceof InvalidFrameError) throw err;
    throw new InvalidFrameError(value, `reading it threw ${describeError(err)}`);
  }
  switch (type) {
    case "text":
      if (typeof payload === "string") return ["text", payload];
      throw new InvalidFrameError(value, `text payload must be a string, got ${describe(payload)}`);
    case "binary":
      if (types.isUint8Array(payload)) return ["binary", view(payload)];
      throw new InvalidFrameError(value, `binary payload must be a Uint8Array, got ${describe(payload)}`);
    case "ping":
    case "pong": {
      if (!types.isUint8Array(payload)) {
        throw new InvalidFrameError(value, `${type} payload must be a Uint8Array, got ${describe(payload)}`);
      }
      const size = byteLengthOf.call(payload);
      if (size <= MAX_CONTROL_PAYLOAD) return [type, view(payload)];
      throw new InvalidFrameError(value, `${type} payload must be at most ${MAX_CONTROL_PAYLOAD} bytes, got ${size}`);
    }
    default:
      throw new InvalidFrameError(value, 'type must be "text", "binary", "ping" or "pong"');
  }
}

/**
 * What a `parley:frame:dropped` message says about a value that is not a frame: its claimed tag
 * (`"invalid"` when it has none) and payload size (0 when unknown). Never throws, whatever it reads.
 */
export function claimedFrame(value: unknown): { readonly type: string; readonly size: number } {
  const tag = readOr(() => (Array.isArray(value) ? (value[0] as unknown) : undefined));
  const payload = readOr(() => (Array.isArray(value) ? (value[1] as unknown) : undefined));
  const type = typeof tag === "string" ? tag : "invalid";
  if (typeof payload === "string") return { type, size: Buffer.byteLength(payload) };
  return { type, size: types.isUint8Array(payload) ? byteLengthOf.call(payload) : 0 };
}

/** What `read` returns, or undefined when it throws (a getter, a Proxy trap). */
function readOr(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Whether `frame` is a `Frame` (what `validateFrame` accepts), without throwing: a value whose
 * reading throws (a getter, a revoked Proxy) is not one.
 */
export function isFrame(frame: unknown): frame is Frame {
  try {
    if (!Array.isArray(frame) || frame.length !== 2) return false;
    const payload: unknown = frame[1];
    switch (frame[0]) {
      case "text":
        return typeof payload === "string";
      case "binary":
        return types.isUint8Array(payload);
      case "ping":
      case "pong":
        return types.isUint8Array(payload) && byteLengthOf.call(payload) <= MAX_CONTROL_PAYLOAD;
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/**
 * The payload size of a frame in bytes, as reported on the `parley:frame:*` channels.
 *
 * @param frame - a valid frame.
 * @returns the UTF-8 byte length of a text payload, the byte length of any other payload.
 */
export function frameSize(frame: Frame): number {
  return frame[0] === "text" ? Buffer.byteLength(frame[1], "utf8") : byteLengthOf.call(frame[1]);
}

/**
 * Checks the `{ code, reason }` of `Parley.disconnect` against what `ws` will send.
 *
 * @param code - the close code; defaults to 1000 (normal closure).
 * @param reason - the close reason; defaults to `""`.
 * @returns the close frame `[code, reason]`.
 * @throws {OptionsError} when `code` is not 1000, 1001–1003, 1007–1014 or 3000–4999 (1004–1006 and
 *   1015 are reserved and never sent), or `reason` is not a string of at most 123 UTF-8 bytes.
 */
export function validateCloseFrame(code: unknown = 1000, reason: unknown = ""): CloseFrame {
  if (!isSendableCloseCode(code)) throw new OptionsError("code", code, `an integer close code: ${CLOSE_CODES}`);
  if (typeof reason !== "string" || Buffer.byteLength(reason, "utf8") > MAX_CLOSE_REASON) {
    throw new OptionsError("reason", reason, `a string of at most ${MAX_CLOSE_REASON} UTF-8 bytes`);
  }
  return [code, reason];
}

/** Whether `close` is exactly `[code, reason]` that `validateCloseFrame` accepts, without throwing. */
export function isCloseFrame(close: unknown): close is CloseFrame {
  return (
    Array.isArray(close) &&
    close.length === 2 &&
    isSendableCloseCode(close[0]) &&
    typeof close[1] === "string" &&
    Buffer.byteLength(close[1], "utf8") <= MAX_CLOSE_REASON
  );
}

/**
 * True when `code` may be sent in a close frame: the same rule as `isValidStatusCode` in `ws`, plus
 * integrality, which `ws` leaves to `Buffer.writeUInt16BE`.
 */
export function isSendableCloseCode(code: unknown): code is number {
  if (typeof code !== "number" || !Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

// Names the payload's type only: the payload itself is already in the message through formatTerm.
function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  const type = typeof value === "object" ? (readOr(() => objectType(value)) as string | undefined) ?? "object" : typeof value;
  return `${/^[aeiouAEIOU]/.test(type) ? "an" : "a"} ${type}`;
}

function objectType(value: object): string {
  if (Array.isArray(value)) return "array";
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : "object";
}

/** 1000 for a normal stop, 1001 for a shutdown (going away), 1011 for anything else. */
export function closeCodeFor(reason: unknown): number {
  if (reason === "normal") return 1000;
  if (reason === "shutdown" || (Array.isArray(reason) && reason[0] === "shutdown")) return 1001;
  return 1011;
}

