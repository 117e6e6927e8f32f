/**
 * What becomes of a received frame (decoded, then to `handleFrame` or, in pull mode, held for a
 * pull), and pull mode's two functions, `Parley.recv` and `Parley.stream` (hackney_ws's passive
 * mode, Glock's `stream/1`). Frames count against `maxBuffered` until `handleFrame` or a pull takes
 * them (see `Connection.taken`): one bound, one mechanism, both modes.
 */
import { callChecked, type From, replyError } from "../runtime/behaviours/gen-call.ts";
import { KEEP, type Transition } from "../runtime/behaviours/statem-actions.ts";
import { ExitError, NoProcError, OptionsError } from "../runtime/errors.ts";
import { checkTimeout } from "../runtime/process/deadlines.ts";
import { type Dest, send } from "../runtime/names/names.ts";
import type { ClientData, ConnState } from "./client-data.ts";
import { decodeFrame } from "./codec.ts";
import type { FrameIn } from "./connection.ts";
import type { DecodeError } from "./errors.ts";
import { PutBack, Recv, RecvTimeout } from "./pull-buffer.ts";
import * as telemetry from "./telemetry.ts";

/** What `Parley.stream` asks for at once: one call carries up to this many frames. */
const BATCH = 256;

/**
 * What the machine does with a received frame: `HANDLED` when nothing is left to do (a frame of a
 * socket given up, or one now waiting for a pull), an `Undecodable` when the codec refused it,
 * else the value for `handleFrame`.
 */
export function received(msg: FrameIn, data: ClientData): unknown {
  const pull = data.pull;
  if (msg.conn !== data.conn || pull === undefined) msg.conn.taken();
  if (msg.conn !== data.conn) return HANDLED;
  data.framesIn++;
  telemetry.publishFrame("frameReceived", data.meta, msg.frame);
  let value: unknown;
  try {
    value = decodeFrame(data.options.codec, msg.frame);
  } catch (err) {
    if (pull !== undefined) msg.conn.taken();
    return new Undecodable(err as DecodeError);
  }
  if (pull === undefined) return value;
  pull.put(msg.conn, value);
  return HANDLED;
}

/** Nothing left for the machine to do with a frame. */
export const HANDLED: unique symbol = Symbol("handled");

/** A frame the codec could not decode: the connection closes with 1007. */
export class Undecodable {
  constructor(readonly error: DecodeError) {}
}

/** The close frame of a connection whose frame did not decode (RFC 6455: invalid payload data). */
export const UNDECODABLE_CLOSE: readonly [number, string] = Object.freeze([1007, "cannot decode frame"] as const);

/** The machine's answer to a `Recv` call: `OptionsError` for an active client. */
export function recvCall(req: Recv, from: From, state: ConnState, data: ClientData): Transition {
  if (data.pull === undefined) replyError(from, NOT_PULL());
  else data.pull.ask(req, from, state === "disconnected" && !data.retrying);
  return KEEP;
}

/** Whether `msg` is one of pull mode's own messages; if so, the machine is done with it. */
export function pullInfo(msg: unknown, data: ClientData): boolean {
  if (msg instanceof RecvTimeout) data.pull?.timedOut(msg.waiter);
  else if (msg instanceof PutBack) data.pull?.putBack(msg.values);
  else return false;
  return true;
}

/**
 * `Parley.recv`: the next frame (decoded, with a codec) of a client started with `active: false`.
 * @throws {TimeoutError} when none arrives within `timeoutMs`.
 */
export async function recv(dest: Dest, timeoutMs: number): Promise<unknown> {
  checkTimeout(timeoutMs);
  const values = (await callChecked(dest, new Recv(1, timeoutMs), Infinity)) as unknown[];
  return values[0];
}

/**
 * `Parley.stream`: every frame of a client started with `active: false`, as they arrive, across
 * reconnects; ends when the client exits. Frames come in batches (one call per batch); those of a
 * batch not yet seen when the consumer breaks out go back to the front of the client's queue.
 * A plain iterator, not an async generator: a generator costs several promise turns per frame.
 */
export class PullStream implements AsyncIterableIterator<unknown> {
  #batch: readonly unknown[] = NOTHING;
  #next = 0;
  #ended = false;
  /** A batch came: the client answered at least once. */
  #fetched = false;

  constructor(readonly dest: Dest) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#next < this.#batch.length) return Promise.resolve({ value: this.#batch[this.#next++], done: false });
    return this.#ended ? Promise.resolve(DONE) : this.#fetch();
  }

  /** Breaking out of the loop: the frames fetched but not yet seen go back to the client. */
  return(): Promise<IteratorResult<unknown>> {
    if (this.#next < this.#batch.length) putBack(this.dest, this.#batch.slice(this.#next));
    this.#batch = NOTHING;
    this.#ended = true;
    return Promise.resolve(DONE);
  }

  async #fetch(): Promise<IteratorResult<unknown>> {
    try {
      this.#batch = (await callChecked(this.dest, new Recv(BATCH, Infinity), Infinity)) as unknown[];
    } catch (err) {
      this.#ended = true;
      // The client exited: during a call, or between two (then nothing answers to the pid any more).
      // A name or pid that never answered is the caller's mistake and stays an error.
      if (err instanceof ExitError || (err instanceof NoProcError && this.#fetched)) return DONE;
      throw err;
    }
    this.#fetched = true;
    this.#next = 1;
    return { value: this.#batch[0], done: false };
  }
}

const NOTHING: readonly unknown[] = Object.freeze([]);
const DONE: IteratorResult<unknown> = Object.freeze({ value: undefined, done: true });

function putBack(dest: Dest, values: readonly unknown[]): void {
  try {
    send(dest, new PutBack(values));
  } catch {
    // The client is gone: nothing to give the frames back to.
  }
}

function NOT_PULL(): OptionsError {
  return new OptionsError("active", true, "false: Parley.recv and Parley.stream need a client started with active: false");
}

