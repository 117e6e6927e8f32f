/**
 * Client frames encoded as RFC 6455 §5.2 lays them out (masked, FIN set) straight into one shared
 * slab, so the frames a connection writes together leave in one socket write: a burst of 200,000
 * frames of 32 bytes costs about 120 writes of 64 KiB instead of a vectored write of two buffers
 * per frame, and no Buffer, array or stream entry is allocated per frame. A frame written `alone` (a
 * connection's first of an event-loop turn: see Connection.write) goes out at once, so a lone
 * reply waits for nothing and schedules nothing; the frames after it wait for the end of the tick
 * (or for 64 KiB of them) and leave together.
 *
 * Only the connections that need nothing else of `ws`'s sender write here: with permessage-deflate
 * or a custom `generateMask`, frames go through `ws`.
 */
import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";
import type { Duplex } from "node:stream";
import type { Frame } from "./frames.ts";

/**
 * Told what became of a frame handed over with it: written (the socket took it; `err` null or
 * undefined) or not (`err`, the socket died first), with the two values handed over beside it.
 * One settler serves every frame, and the frames are remembered in a flat list per socket write:
 * nothing is allocated per frame.
 */
export interface FrameSettler {
  settled(frame: Frame, a: unknown, b: unknown, err: Error | null | undefined): void;
}

/** The opcodes of the frames a client writes (RFC 6455 §5.2). */
const OPCODES = { text: 0x1, binary: 0x2, ping: 0x9, pong: 0xa } as const;

/** Once a tick's frames reach this many bytes they go out without waiting for the end of the tick. */
const FLUSH_AT = 64 * 1024;
const SLAB_SIZE = 256 * 1024;
/** A frame larger than this gets a buffer of its own rather than a share of the slab. */
const OWN_BUFFER_AT = SLAB_SIZE >> 2;
/** A string of at most this many UTF-16 units encodes to at most 125 bytes: a 2-byte length field. */
const SHORT_STRING = 41;
const MASK_POOL_SIZE = 8 * 1024;

let slab = Buffer.allocUnsafe(SLAB_SIZE);
/** Bytes of the slab already handed to a socket end here; [start, end) waits for `owner`. */
let start = 0;
let end = 0;
let owner: Duplex | undefined;
/** Settler, frame and its two values, for each frame in [start, end) that has a settler. */
let settling: unknown[] | undefined;
let tickPending = false;
/** Masking keys: 4 random bytes per frame, as `ws` draws them (RFC 6455 §5.3: unpredictable). */
const maskPool = Buffer.allocUnsafe(MASK_POOL_SIZE);
let maskAt = MASK_POOL_SIZE;

/**
 * Encodes `frame` for `socket` and writes it: at once when `alone`, else with the frames written
 * after it in this tick (at the end of the tick at the latest). `settler`, if given, learns once
 * the socket took the frame, or the error that stopped it, and gets `a` and `b` back.
 */
export function writeFrame(socket: Duplex, frame: Frame, alone: boolean, settler?: FrameSettler, a?: unknown, b?: unknown): void {
  if (owner !== socket) {
    flushFrames();
    owner = socket;
  }
  const opcode = OPCODES[frame[0]];
  const payload = frame[1];
  if (typeof payload === "string" && payload.length <= SHORT_STRING) {
    room(6 + 3 * payload.length);
    const at = end + 6;
    finish(opcode, slab.write(payload, at), at);
  } else {
    const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
    const header = size > 0xffff ? 14 : size > 125 ? 8 : 6;
    if (header + size > OWN_BUFFER_AT) return writeOwn(socket, frame, opcode, size, header, settler === undefined ? undefined : [settler, frame, a, b]);
    room(header + size);
    const at = end + header;
    if (typeof payload === "string") slab.write(payload, at, size);
    else slab.set(payload, at);
    finish(opcode, size, at);
  }
  if (settler !== undefined) (settling ??= []).push(settler, frame, a, b);
  if (alone || end - start >= FLUSH_AT) flushFrames();
  else if (!tickPending) {
    tickPending = true;
    process.nextTick(endOfTick);
  }
}

/** Hands what waits to its socket now: before a close frame, which must follow every data frame. */
export function flushFrames(): void {
  if (end === start) return;
  const chunk = slab.subarray(start, end);
  start = end;
  const settle = settling;
  settling = undefined;
  toSocket(owner!, chunk, settle);
  if (SLAB_SIZE - end < FLUSH_AT) {
    slab = Buffer.allocUnsafe(SLAB_SIZE);
    start = end = 0;
  }
}

// --- helpers ------------------------------------------------------------------------------

/** Makes room for `bytes` more at `end`: what waits goes out first if the slab is short. */
function room(bytes: number): void {
  if (end + bytes <= SLAB_SIZE) return;
  flushFrames();
  if (end + bytes <= SLAB_SIZE) return;
  slab = Buffer.allocUnsafe(SLAB_SIZE);
  start = end = 0;
}

/** Writes the header of the frame whose `size` payload bytes are at `at` in the slab, masks them, ends the frame. */
function finish(opcode: number, size: number, at: number): void {
  encode(slab, end, opcode, size, at);
  end = at + size;
}

/** Writes a frame's header at `p` in `buf` (its payload already at `at`) and masks the payload. */
function encode(buf: Buffer, p: number, opcode: number, size: number, at: number): void {
  buf[p++] = 0x80 | opcode;
  if (size > 0xffff) {
    buf[p++] = 0x80 | 127;
    buf.writeUIntBE(0, p, 2);
    buf.writeUIntBE(size, p + 2, 6);
    p += 8;
  } else if (size > 125) {
    buf[p++] = 0x80 | 126;
    buf.writeUInt16BE(size, p);
    p += 2;
  } else {
    buf[p++] = 0x80 | size;
  }
  mask(buf, p, at, size);
}

/** Draws a masking key into buf[key, key + 4) and masks the payload at `at`. */
function mask(buf: Buffer, key: number, at: number, size: number): void {
  if (maskAt === MASK_POOL_SIZE) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const m0 = (buf[key] = maskPool[maskAt]!);
  const m1 = (buf[key + 1] = maskPool[maskAt + 1]!);
  const m2 = (buf[key + 2] = maskPool[maskAt + 2]!);
  const m3 = (buf[key + 3] = maskPool[maskAt + 3]!);
  maskAt += 4;
  const stop = at + size;
  let i = at;
  for (; i + 3 < stop; i += 4) {
    buf[i] = buf[i]! ^ m0;
    buf[i + 1] = buf[i + 1]! ^ m1;
    buf[i + 2] = buf[i + 2]! ^ m2;
    buf[i + 3] = buf[i + 3]! ^ m3;
  }
  const tail = stop - i;
  if (tail > 0) buf[i] = buf[i]! ^ m0;
  if (tail > 1) buf[i + 1] = buf[i + 1]! ^ m1;
  if (tail > 2) buf[i + 2] = buf[i + 2]! ^ m2;
}

/** A frame too large for the slab: encoded into a buffer of its own, after what waits. */
function writeOwn(socket: Duplex, frame: Frame, opcode: number, size: number, header: number, settle: unknown[] | undefined): void {
  flushFrames();
  const chunk = Buffer.allocUnsafe(header + size);
  const payload = frame[1];
  if (typeof payload === "string") chunk.write(payload, header, size);
  else chunk.set(payload, header);
  encode(chunk, 0, opcode, size, header);
  toSocket(socket, chunk, settle);
}

/** One socket write; `settle` (settler, frame, a, b for each frame) learns how it went. */
function toSocket(socket: Duplex, chunk: Buffer, settle: unknown[] | undefined): void {
  if (socket.writableEnded || socket.destroyed) {
    // The client ended the socket in this tick, after these frames were handed over.
    if (settle !== undefined) process.nextTick(settleAll, settle, new Error("the socket ended before the frame was written"));
  } else if (settle === undefined) {
    socket.write(chunk);
  } else {
    socket.write(chunk, (err?: Error | null) => settleAll(settle, err));
  }
}

function endOfTick(): void {
  tickPending = false;
  flushFrames();
}

function settleAll(settle: readonly unknown[], err: Error | null | undefined): void {
  for (let i = 0; i < settle.length; i += 4) (settle[i] as FrameSettler).settled(settle[i + 1] as Frame, settle[i + 2], settle[i + 3], err);
}
