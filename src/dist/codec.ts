/**
 * What crosses between nodes, as bytes: MessagePack through msgpackr, with extension types for
 * Pid, Ref, Map, Set and Error.
 *
 * Sending: {@link encode} (a value) and {@link encodeEnvelope} (the transport's header plus a user's
 * message) check the whole value first, so anything that cannot cross throws `EncodeError` naming
 * its path and nothing is sent. Each call returns bytes no later call writes over (msgpackr only
 * reuses a buffer when asked to with `useBuffer` or `REUSE_BUFFER_MODE`, and we never ask), so the
 * NATS client may hold them until it flushes.
 *
 * Receiving: {@link decode} takes bytes from any peer, hostile ones included. It uses msgpackr's
 * no-eval build (its record reader otherwise compiles a reader with `new Function`), refuses the
 * extension types we never write (msgpackr's own Error, Set, typed-array, RegExp, structured-clone
 * and string-bundle extensions), renames `__proto__` keys as msgpackr does (so no prototype is ever
 * set from the wire), copies binary data out of the source, and caps the size. Every failure is a
 * `WireError`; the transport drops that message and reports it.
 *
 * Differences from the value sent, all as JSON would have them: `-0` arrives as `0`, bytes arrive
 * as a `Buffer` (a Uint8Array), an Error arrives as a plain `Error` with the sender's `name` and
 * `message`, a string with a lone surrogate arrives with U+FFFD in its place.
 */
import { createRequire } from "node:module";
import { isPid, isRef, Pid, Ref } from "../runtime/process/pid.ts";
import { EncodeError, WireError, type EncodeErrorKind } from "./errors.ts";
import { pidFromWire, pidToWire, refFromWire, refToWire } from "./remote-pids.ts";

/** The largest message that crosses, encoded, in bytes (1 MiB), both ways. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** How deep a message may nest (arrays, objects, Maps, Sets) before `EncodeError("too_deep")`. */
export const MAX_DEPTH = 128;

/**
 * Encodes `value` for another node.
 * @throws {EncodeError} when `value` holds anything that cannot cross, or is larger than `maxBytes` encoded.
 */
export function encode(value: unknown, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  return pack(prepareRoot(value), value, maxBytes);
}

/**
 * Encodes `[...head, payload]`: the transport's own fields (kind, addresses, tags: strings,
 * numbers, Pids and Refs) and a user's message, which alone is checked, and whose `EncodeError`
 * path starts at the message (`$`), not at the envelope.
 * @throws {EncodeError} as {@link encode}.
 */
export function encodeEnvelope(head: readonly unknown[], payload: unknown, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  // The head is the transport's own: strings, numbers, Pids and Refs, never checked again.
  return pack([...head, prepareRoot(payload)], payload, maxBytes);
}

/**
 * Decodes bytes from another node.
 * @throws {WireError} when they are larger than `maxBytes` or are not one well-formed message of
 *   the types {@link encode} writes.
 */
export function decode(bytes: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): unknown {
  if (bytes.length > maxBytes) throw new WireError("too_large", bytes.length, `the limit is ${maxBytes} bytes`);
  try {
    return packr.unpack(bytes);
  } catch (err) {
    // Anything the decoder throws (a stack overflow from hostile nesting included) drops the message.
    throw new WireError("malformed", bytes.length, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * Decodes a message that may hold several values one after another (MessagePack's concatenation,
 * as {@link encodeEnvelope}'s results are batched on the wire), in order.
 * @throws {WireError} as {@link decode}; one malformed value refuses the whole message.
 */
export function decodeAll(bytes: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): unknown[] {
  if (bytes.length > maxBytes) throw new WireError("too_large", bytes.length, `the limit is ${maxBytes} bytes`);
  try {
    return packr.unpackMultiple(bytes) as unknown[];
  } catch (err) {
    throw new WireError("malformed", bytes.length, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

// msgpackr's no-eval build has no typings of its own; its API is the main entry's.
type Msgpackr = typeof import("msgpackr");
const msgpackr = createRequire(import.meta.url)("msgpackr/index-no-eval") as Msgpackr;

// Extension type codes we write; 0 is msgpackr's undefined, -1 the timestamp (Date).
const EXT_PID = 1;
const EXT_REF = 2;
const EXT_MAP = 3;
const EXT_SET = 4;
const EXT_ERROR = 5;
// msgpackr's built-in extensions we never write: a peer that sends them is refused.
const REFUSED = [0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78];

// Plain objects and Maps are both MessagePack maps; a Map crosses wrapped, as its flattened entries.
class MapWire {
  constructor(readonly flat: unknown[]) {}
}
class SetWire {
  constructor(readonly items: unknown[]) {}
}

const packr = new msgpackr.Packr({
  useRecords: false,
  // Objects come back as objects (keys as strings, `__proto__` renamed); Maps through EXT_MAP.
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  useBigIntExtension: true,
  int64AsType: "bigint",
  copyBuffers: true,
});

msgpackr.addExtension({ Class: Pid, type: EXT_PID, write: (pid: Pid) => pidToWire(pid), read: (wire: unknown) => pidFromWire(wire) });
msgpackr.addExtension({ Class: Ref, type: EXT_REF, write: (ref: Ref) => refToWire(ref), read: (wire: unknown) => refFromWire(wire) });
msgpackr.addExtension({ Class: MapWire, type: EXT_MAP, write: (m: MapWire) => m.flat, read: readMap });
msgpackr.addExtension({ Class: SetWire, type: EXT_SET, write: (s: SetWire) => s.items, read: readSet });
msgpackr.addExtension({
  Class: Error,
  type: EXT_ERROR,
  write: (e: Error) => [String(e.name), String(e.message)],
  read: readError,
});
for (const type of REFUSED) {
  msgpackr.addExtension({
    type,
    unpack: () => {
      throw new Error(`extension type ${type} is not accepted`);
    },
  });
}

function pack(prepared: unknown, original: unknown, maxBytes: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(prepared);
  } catch (err) {
    // prepare() admits only what packs; this is a Pid or Ref that cannot cross (node not started).
    throw new EncodeError(original, "$", "unsupported", err instanceof Error ? err.message : String(err));
  }
  if (bytes.length > maxBytes) {
    throw new EncodeError(original, "$", "too_large", `${bytes.length} bytes encoded, the limit is ${maxBytes}`);
  }
  return bytes;
}

function prepareRoot(value: unknown): unknown {
  // Most messages are a string or a number: no walk to set up for them.
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean" || type === "undefined" || value === null) return value;
  return prepare(value, new Walk());
}

// The walk's state: the ancestors (to find cycles) and the path segments (for the error).
class Walk {
  readonly ancestors = new Set<object>();
  readonly path: string[] = [];
  fail(value: unknown, kind: EncodeErrorKind, detail?: string): never {
    throw new EncodeError(value, `$${this.path.join("")}`, kind, detail);
  }
}

/**
 * Checks that `value` crosses and returns what to pack: `value` itself, unless a Map, a Set or a
 * null-prototype object sits inside it; then a copy of the containers on the way to them.
 */
function prepare(value: unknown, walk: Walk): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return value;
    case "object":
      break;
    default:
      return walk.fail(value, "unsupported");
  }
  if (value === null) return null;
  if (isPid(value) || isRef(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Date.prototype || proto === Uint8Array.prototype || proto === Buffer.prototype) return value;
  if (value instanceof Error) return value;
  if (walk.ancestors.has(value)) return walk.fail(value, "cycle");
  if (walk.ancestors.size >= MAX_DEPTH) return walk.fail(value, "too_deep", `deeper than ${MAX_DEPTH} levels`);
  walk.ancestors.add(value);
  let out: unknown;
  if (proto === Array.prototype) out = prepareArray(value as unknown[], walk);
  else if (proto === Object.prototype || proto === null) out = prepareObject(value as Record<string, unknown>, proto === null, walk);
  else if (proto === Map.prototype) out = new MapWire(prepareEntries(value as Map<unknown, unknown>, walk));
  else if (proto === Set.prototype) out = new SetWire(prepareArray([...(value as Set<unknown>)], walk, "<Set>", true));
  else walk.fail(value, "unsupported");
  walk.ancestors.delete(value);
  return out;
}

function prepareArray(items: unknown[], walk: Walk, prefix = "", fresh = false): unknown[] {
  let out: unknown[] | undefined = fresh ? items : undefined;
  for (let i = 0; i < items.length; i++) {
    walk.path.push(`${prefix}[${i}]`);
    const item = items[i];
    const prepared = prepare(item, walk);
    walk.path.pop();
    if (prepared !== item) (out ??= items.slice())[i] = prepared;
  }
  return out ?? items;
}

function prepareObject(record: Record<string, unknown>, copy: boolean, walk: Walk): Record<string, unknown> {
  let out: Record<string, unknown> | undefined = copy ? {} : undefined;
  for (const key of Object.keys(record)) {
    walk.path.push(segment(key));
    // msgpackr renames a received `__proto__` key; refusing it here keeps what arrives what was sent.
    if (key === "__proto__") walk.fail(record[key], "unsupported", "a __proto__ key cannot cross");
    const item = record[key];
    const prepared = prepare(item, walk);
    walk.path.pop();
    if (out !== undefined) out[key] = prepared;
    else if (prepared !== item) {
      out = { ...record };
      out[key] = prepared;
    }
  }
  return out ?? record;
}

function prepareEntries(map: Map<unknown, unknown>, walk: Walk): unknown[] {
  const flat: unknown[] = [];
  let i = 0;
  for (const [key, value] of map) {
    walk.path.push(`<Map>[${i}].key`);
    flat.push(prepare(key, walk));
    walk.path[walk.path.length - 1] = `<Map>[${i}].value`;
    flat.push(prepare(value, walk));
    walk.path.pop();
    i++;
  }
  return flat;
}

function segment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function readMap(flat: unknown): Map<unknown, unknown> {
  if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new Error("a Map must cross as an even-length array");
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
  return map;
}

function readSet(items: unknown): Set<unknown> {
  if (!Array.isArray(items)) throw new Error("a Set must cross as an array");
  return new Set(items);
}

function readError(data: unknown): Error {
  if (!Array.isArray(data) || data.length !== 2 || typeof data[0] !== "string" || typeof data[1] !== "string") {
    throw new Error("an Error must cross as [name, message]");
  }
  const error = new Error(data[1]);
  error.name = data[0];
  return error;
}
