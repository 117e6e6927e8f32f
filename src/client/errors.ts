/** Errors of the WebSocket client. */
import { ParleyError } from "../runtime/errors.ts";
import { Buffer } from "node:buffer";
import { formatTerm } from "../runtime/format-term.ts";
import { REDACTED_COPY, redactHeaders } from "../runtime/secrets.ts";

/** A send while the client is not connected (and not connecting); `state` is where it was. */
export class NotConnectedError extends ParleyError {
  /** Always `"NotConnectedError"`. */
  override readonly name = "NotConnectedError" as const;
  /** Always `"ERR_NOT_CONNECTED"`. */
  readonly code = "ERR_NOT_CONNECTED" as const;
  constructor(
    /**
     * The client's connection state when the send was refused: `"disconnected"` (and no retry
     * scheduled) or `"closing"`; `"closing"` also when the socket was closing though the client had
     * not yet seen it end (the server's close frame or an RST arrived), or when the socket died
     * before it took the frame; or `"connecting"` for a frame that was queued while connecting or
     * waiting to retry and will never be written, because the client gave up: no retry follows,
     * the retries are exhausted, or it stopped (the message says which).
     */
    readonly state: "disconnected" | "closing" | "connecting",
    detail?: string,
  ) {
    super(`not connected: the client is ${state}${detail ? ` (${detail})` : ""}`);
  }
}

/** A frame outside the `Frame` union, a non-string text payload, or a control payload over 125 bytes. */
export class InvalidFrameError extends ParleyError {
  /** Always `"InvalidFrameError"`. */
  override readonly name = "InvalidFrameError" as const;
  /** Always `"ERR_INVALID_FRAME"`. */
  readonly code = "ERR_INVALID_FRAME" as const;
  constructor(
    /** The value passed as a frame, as given. */
    readonly frame: unknown,
    detail: string,
  ) {
    super(`invalid frame ${formatTerm(frame, 2)}: ${detail}`);
  }
}

/** The queue of frames waiting for a connection is full (`maxQueue`). */
export class QueueFullError extends ParleyError {
  /** Always `"QueueFullError"`. */
  override readonly name = "QueueFullError" as const;
  /** Always `"ERR_QUEUE_FULL"`. */
  readonly code = "ERR_QUEUE_FULL" as const;
  constructor(
    /** The client's `maxQueue` option: how many frames were already waiting. */
    readonly maxQueue: number,
  ) {
    super(`send queue full: ${maxQueue} frames already wait for the connection`);
  }
}

/** The server answered the opening handshake with something other than 101. */
export class UpgradeError extends ParleyError {
  /** Always `"UpgradeError"`. */
  override readonly name = "UpgradeError" as const;
  /** Always `"ERR_UPGRADE"`. */
  readonly code = "ERR_UPGRADE" as const;
  constructor(
    /** The HTTP status of the server's answer, e.g. 401, 403 or 503. */
    readonly statusCode: number,
    /**
     * The response headers, with lower-case names (a repeated header such as `set-cookie` is an
     * array). `handleDisconnect` gets them all; the message never shows them, and telemetry gets
     * a copy of the error with secret ones (`set-cookie`, `www-authenticate`, ...) redacted.
     */
    readonly headers: Readonly<Record<string, string | string[]>>,
  ) {
    super(`upgrade refused: the server answered HTTP ${statusCode}`);
  }

  /** The copy telemetry shows: the same error with secret headers redacted (see `redactHeaders`). */
  [REDACTED_COPY](): UpgradeError {
    const copy = new UpgradeError(this.statusCode, redactHeaders(this.headers));
    copy.stack = this.stack;
    return copy;
  }
}

// Frames are shown up to 1 KiB in messages and logs: a hostile server's 64 MiB frame must not be.
const SHOWN = 1024;

/**
 * A received frame the client's `codec` could not decode. The client closes the connection with
 * 1007 (invalid frame payload data) and `handleDisconnect` gets `["error", DecodeError]`.
 */
export class DecodeError extends ParleyError {
  /** Always `"DecodeError"`. */
  override readonly name = "DecodeError" as const;
  /** Always `"ERR_DECODE"`. */
  readonly code = "ERR_DECODE" as const;
  constructor(
    /** The frame as it arrived, whole; the message shows at most its first 1 KiB. */
    readonly frame: readonly ["text", string] | readonly ["binary", Uint8Array],
    /** What the codec's `decode` threw; also the error's `cause`. */
    cause: unknown,
  ) {
    super(`cannot decode ${Array.isArray(frame) ? String(frame[0]) : "a"} frame ${shown(frame)}: ${causeText(cause)}`, { cause });
  }
}

function shown(frame: readonly ["text", string] | readonly ["binary", Uint8Array]): string {
  const payload: unknown = Array.isArray(frame) ? frame[1] : undefined;
  if (typeof payload === "string") {
    const size = Buffer.byteLength(payload);
    return `${JSON.stringify(payload.slice(0, SHOWN))}${size > SHOWN ? `… (${size} bytes)` : ""}`;
  }
  if (!(payload instanceof Uint8Array)) return formatTerm(frame, 1).slice(0, SHOWN);
  // Two hex digits a byte: half as many bytes show.
  const hex = Buffer.from(payload.subarray(0, SHOWN / 2)).toString("hex");
  return `<${hex}>${payload.byteLength > SHOWN / 2 ? `… (${payload.byteLength} bytes)` : ""}`;
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message.slice(0, SHOWN)}` : formatTerm(cause, 1).slice(0, SHOWN);
}
