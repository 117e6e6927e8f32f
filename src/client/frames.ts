/**
 * The frames a client sends and receives, and the checks run before anything reaches `ws`: a
 * malformed frame is refused here with an `InvalidFrameError`, so the connection is never touched.
 */
import { Buffer } from "node:buffer";
import { OptionsError } from "../runtime/errors.ts";
import { InvalidFrameError } from "./errors.ts";

/** A WebSocket data or control frame, tagged by its type. */
export type Frame =
  | readonly ["text", string]
  | readonly ["binary", Uint8Array]
  | readonly ["ping", Uint8Array]
  | readonly ["pong", Uint8Array];

/** The code and reason of a close frame. */
export type CloseFrame = readonly [code: number, reason: string];

// RFC 6455 §5.5: control frames carry at most 125 bytes; a close frame spends 2 of them on its code.
const MAX_CONTROL_PAYLOAD = 125;
const MAX_CLOSE_REASON = 123;
const CLOSE_CODES = "1000, 1001–1003, 1007–1014 or 3000–4999";

/**
 * Checks that `frame` is a `Frame` and returns it unchanged (the same reference), allocating nothing.
 *
 * @param frame - the value given to `sendFrame`, `sendFrameAsync` or a `["push", frame, s]` result.
 * @returns `frame`, typed as a `Frame`.
 * @throws {InvalidFrameError} when `frame` is not a two-element array, its type is not `"text"`,
 *   `"binary"`, `"ping"` or `"pong"`, a text payload is not a string, another payload is not a
 *   `Uint8Array` (a `Buffer` is one), or a ping or pong payload is over 125 bytes.
 */
export function validateFrame(frame: unknown): Frame {
  if (!Array.isArray(frame)) throw new InvalidFrameError(frame, "expected a [type, payload] array");
  if (frame.length !== 2) {
    throw new InvalidFrameError(frame, `expected 2 elements [type, payload], got ${frame.length}`);
  }
  // The checks below make the cast true; the frame is returned as is, never copied.
  const checked = frame as unknown as Frame;
  const payload: unknown = frame[1];
  switch (frame[0]) {
    case "text":
      if (typeof payload === "string") return checked;
      throw new InvalidFrameError(frame, `text payload must be a string, got ${describe(payload)}`);
    case "binary":
      if (payload instanceof Uint8Array) return checked;
      throw new InvalidFrameError(frame, `binary payload must be a Uint8Array, got ${describe(payload)}`);
    case "ping":
    case "pong":
      if (!(payload instanceof Uint8Array)) {
        throw new InvalidFrameError(frame, `${frame[0]} payload must be a Uint8Array, got ${describe(payload)}`);
      }
      if (payload.byteLength <= MAX_CONTROL_PAYLOAD) return checked;
      throw new InvalidFrameError(
        frame,
        `${frame[0]} payload must be at most ${MAX_CONTROL_PAYLOAD} bytes, got ${payload.byteLength}`,
      );
    default:
      throw new InvalidFrameError(frame, 'type must be "text", "binary", "ping" or "pong"');
  }
}

/** Whether `frame` is a `Frame` (what `validateFrame` accepts), without throwing. */
export function isFrame(frame: unknown): frame is Frame {
  if (!Array.isArray(frame) || frame.length !== 2) return false;
  const payload: unknown = frame[1];
  switch (frame[0]) {
    case "text":
      return typeof payload === "string";
    case "binary":
      return payload instanceof Uint8Array;
    case "ping":
    case "pong":
      return payload instanceof Uint8Array && payload.byteLength <= MAX_CONTROL_PAYLOAD;
    default:
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
  return frame[0] === "text" ? Buffer.byteLength(frame[1], "utf8") : frame[1].byteLength;
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
  if (Array.isArray(value)) return "an array";
  let type: string = typeof value;
  if (type === "object") {
    try {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      type = typeof name === "string" && name !== "" && name !== "Object" ? name : "object";
    } catch {
      type = "object";
    }
  }
  return `${/^[aeiouAEIOU]/.test(type) ? "an" : "a"} ${type}`;
}
