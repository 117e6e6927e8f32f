/**
 * Codecs: the wire format kept out of the callbacks (Glock's `handle_send` and decoding, as one
 * object). With a codec, text and binary frames reach `handleFrame`, `Parley.recv` and
 * `Parley.stream` decoded, and `Parley.send` and `["push", msg, s]` take values that are encoded.
 */
import { OptionsError } from "../runtime/errors.ts";
import { type From, replyError } from "../runtime/behaviours/gen-call.ts";
import { DecodeError } from "./errors.ts";
import { type Frame, readFrame } from "./frames.ts";
import { type Send, SendFrame } from "./requests.ts";

/**
 * How a client turns frames into values (`decode`) and values into frames (`encode`). `In` is what
 * arrives (what `handleFrame`, `recv` and `stream` get for text and binary frames; pongs stay
 * frames), `Out` what `Parley.send` and a `["push", msg, s]` result take.
 *
 * - `decode(frame)` runs in the client's process for each text or binary frame, in order. A throw
 *   closes the connection with 1007 and `handleDisconnect` gets `["error", DecodeError]`.
 * - `encode(msg)` returns the frame to write. A throw, or a value that is not a frame, rejects the
 *   `Parley.send` that asked for it (the error as thrown, or an `InvalidFrameError`) and the
 *   connection is untouched; in a push, it crashes the client with a `BadReturnError` naming the
 *   callback.
 */
export interface Codec<In, Out> {
  /** The frame to write for `msg`. */
  encode(msg: Out): Frame;
  /** The value a text or binary frame stands for. */
  decode(frame: DataFrame): In;
}

/** A frame that carries data: what a codec decodes. */
export type DataFrame = readonly ["text", string] | readonly ["binary", Uint8Array];

/** A JSON value, as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The codecs shipped with Parley, as {@link codecs} holds them. */
export interface Codecs {
  /**
   * Text frames of JSON. `decode` is `JSON.parse` of a text frame (a binary frame is a
   * DecodeError); `encode` is `["text", JSON.stringify(msg)]`, so a value JSON cannot hold (a
   * cycle, a BigInt) rejects `send` with JSON's own TypeError, and `undefined` or a function
   * (which JSON turns into nothing) with an `InvalidFrameError`.
   */
  readonly json: Codec<JsonValue, unknown>;
}

/**
 * Codecs shipped with Parley: `codecs.json` (see {@link Codecs}).
 *
 * @example
 * ```ts
 * class Lobby extends Parley<number, JsonValue, { event: string }> {}
 * const pid = await Lobby.start(0, { url: "ws://127.0.0.1:4000/socket", codec: codecs.json });
 * await Parley.send(pid, { event: "join" }); // the text frame {"event":"join"}
 * ```
 */
export const codecs: Codecs = Object.freeze({
  json: Object.freeze({
    encode(msg: unknown): Frame {
      return ["text", JSON.stringify(msg)];
    },
    decode(frame: DataFrame): JsonValue {
      if (frame[0] !== "text") throw new TypeError("codecs.json decodes text frames only, got a binary frame");
      return JSON.parse(frame[1]) as JsonValue;
    },
  }),
});

/** The codec as the client runs it: a function each, called with the codec as `this`. */
export interface ClientCodec {
  readonly encode: (msg: unknown) => unknown;
  readonly decode: (frame: DataFrame) => unknown;
}

/**
 * Checks the `codec` option.
 * @throws {OptionsError} unless `codec` is an object with `encode` and `decode` functions.
 */
export function validateCodec(codec: unknown): ClientCodec {
  const expected = "an object with encode(msg) and decode(frame) functions, e.g. codecs.json";
  if (codec === null || typeof codec !== "object") throw new OptionsError("codec", codec, expected);
  const { encode, decode } = codec as Record<string, unknown>;
  if (typeof encode !== "function" || typeof decode !== "function") throw new OptionsError("codec", codec, expected);
  // The same codec with the same functions gets the same wrapper: clients started with one codec
  // can then share their validated options (see shareOptions).
  const known = wrapped.get(codec);
  if (known !== undefined && known.encode === encode && known.decode === decode) return known.codec;
  const client: ClientCodec = Object.freeze({
    encode: (msg: unknown): unknown => (encode as (m: unknown) => unknown).call(codec, msg),
    decode: (frame: DataFrame): unknown => (decode as (f: DataFrame) => unknown).call(codec, frame),
  });
  wrapped.set(codec, { encode, decode, codec: client });
  return client;
}

/** The last wrapper made for each codec object, with the functions it wraps. */
const wrapped = new WeakMap<object, { readonly encode: unknown; readonly decode: unknown; readonly codec: ClientCodec }>();

/**
 * What the client hands on for a received frame: the codec's value for a text or binary frame,
 * the frame itself for a pong or without a codec.
 * @throws {DecodeError} when `decode` throws, with the frame and the thrown value as `cause`.
 */
export function decodeFrame(codec: ClientCodec | undefined, frame: Frame): unknown {
  if (codec === undefined || frame[0] === "pong" || frame[0] === "ping") return frame;
  const data = frame as DataFrame;
  try {
    return codec.decode(data);
  } catch (err) {
    throw new DecodeError(data, err);
  }
}

/**
 * The frame a `Parley.send` asks for: its message encoded by the codec (without one, the message
 * is the frame), then checked as `sendFrame` checks. What `encode` throws, or an
 * `InvalidFrameError` for what it returned, goes to the caller, and undefined comes back: the
 * connection is untouched.
 */
export function encodeSend(req: Send, from: From, codec: ClientCodec | undefined): SendFrame | undefined {
  try {
    return new SendFrame(readFrame(codec === undefined ? req.msg : codec.encode(req.msg)), req.deadline);
  } catch (err) {
    replyError(from, err);
    return undefined;
  }
}

/** A pushed message encoded by the codec, to be checked as a frame (results.ts). */
export function encodePush(codec: ClientCodec | undefined, msg: unknown): unknown {
  return codec === undefined ? msg : codec.encode(msg);
}
