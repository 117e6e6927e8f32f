/** Errors of the WebSocket client. */
import { ParleyError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";

/** A send while the client is not connected (and not connecting); `state` is where it was. */
export class NotConnectedError extends ParleyError {
  override readonly name = "NotConnectedError" as const;
  constructor(readonly state: string, detail?: string) {
    super(`not connected: the client is ${state}${detail ? ` (${detail})` : ""}`);
  }
}

/** A frame outside the `Frame` union, a non-string text payload, or a control payload over 125 bytes. */
export class InvalidFrameError extends ParleyError {
  override readonly name = "InvalidFrameError" as const;
  constructor(readonly frame: unknown, detail: string) {
    super(`invalid frame ${formatTerm(frame, 2)}: ${detail}`);
  }
}

/** The queue of frames waiting for a connection is full (`maxQueue`). */
export class QueueFullError extends ParleyError {
  override readonly name = "QueueFullError" as const;
  constructor(readonly maxQueue: number) {
    super(`send queue full: ${maxQueue} frames already wait for the connection`);
  }
}

/** The server answered the opening handshake with something other than 101. */
export class UpgradeError extends ParleyError {
  override readonly name = "UpgradeError" as const;
  constructor(
    readonly statusCode: number,
    readonly headers: Readonly<Record<string, string | string[]>>,
  ) {
    super(`upgrade refused: the server answered HTTP ${statusCode}`);
  }
}
