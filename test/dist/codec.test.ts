// The codec on its own (no broker): what crosses comes back equal, what cannot cross is refused at
// the sender with its path, and bytes from a hostile peer never do more than raise WireError.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decode, decodeAll, encode, encodeEnvelope, MAX_DEPTH, MAX_MESSAGE_BYTES } from "../../src/dist/codec.ts";
import { EncodeError, WireError } from "../../src/dist/errors.ts";
import { joinWire, leaveWire, pidFromWire, refFromWire, type PeerHome } from "../../src/dist/remote-pids.ts";
import { makePid, makeRef, makeTimerRef, type Pid, type Ref } from "../../src/runtime/process/pid.ts";

const homes = new Map<string, PeerHome>();
const peer = (node: string, incarnation: number): PeerHome => {
  const key = `${node}/${incarnation}`;
  let home = homes.get(key);
  if (home === undefined) homes.set(key, (home = { node, incarnation, index: homes.size + 1, route: () => undefined }));
  return home;
};

let localPid: Pid;
let localRef: Ref;
let remotePid: Pid;
let remoteRef: Ref;

beforeAll(() => {
  joinWire("a@test", 7, peer);
  localPid = makePid();
  localRef = makeRef();
  remotePid = pidFromWire(["b@test", 9, 5]);
  remoteRef = refFromWire(["b@test", 9, 6]);
});
afterAll(() => leaveWire());

const roundTrip = (value: unknown): unknown => decode(encode(value));

// -0 arrives as 0 (as with JSON); everything else the generator makes crosses unchanged.
const number = fc.double().map((n) => (Object.is(n, -0) ? 0 : n));
const leaf = fc.oneof(
  fc.string(),
  number,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date(),
  fc.uint8Array({ maxLength: 16 }).map((b) => new Uint8Array(b)),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.constantFrom("Error", "TypeError", "MyError"), fc.string()).map(([name, message]) => {
    const e = new Error(message);
    e.name = name;
    return e;
  }),
  fc.constant("pid").map(() => localPid),
  fc.constant("ref").map(() => localRef),
  fc.constant("remote pid").map(() => remotePid),
  fc.constant("remote ref").map(() => remoteRef),
);
const key = fc.string().filter((k) => k !== "__proto__");
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object"), tie("map"), tie("set")),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  map: fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie("value"), { maxLength: 4 }).map((items) => new Set(items)),
}));

describe("round trip", () => {
  it("every value of the crossing types comes back equal", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(bytesAsBuffers(v));
      }),
    );
  });

  it("Pids and Refs come back as the very same objects, local and remote", () => {
    const back = roundTrip([localPid, localRef, remotePid, remoteRef]) as unknown[];
    expect(back[0]).toBe(localPid);
    expect(back[1]).toBe(localRef);
    expect(back[2]).toBe(remotePid);
    expect(back[3]).toBe(remoteRef);
  });

  it("keeps Map and Set apart from objects and arrays, and Map keys of any type", () => {
    const back = roundTrip({ m: new Map<unknown, unknown>([[1, "a"], [[localPid], new Set([2n])]]), s: new Set(["x"]), o: {}, a: [] });
    expect(back).toEqual({ m: new Map<unknown, unknown>([[1, "a"], [[localPid], new Set([2n])]]), s: new Set(["x"]), o: {}, a: [] });
    const m = (back as { m: Map<unknown, unknown> }).m;
    expect(m).toBeInstanceOf(Map);
    expect([...m.keys()][1]).toEqual([localPid]);
  });

  it("bigints of any size, Dates, undefined inside objects and arrays", () => {
    const v = { big: 2n ** 200n, neg: -(2n ** 70n), small: 5n, when: new Date(1_700_000_000_123), u: undefined, list: [undefined, 1] };
    const back = roundTrip(v) as typeof v;
    expect(back).toEqual(v);
    expect(typeof back.small).toBe("bigint");
    expect("u" in back).toBe(true);
  });

  it("bytes arrive as a Buffer of their own, not a view into the received message", () => {
    const bytes = encode({ b: new Uint8Array([1, 2, 3]) });
    const back = decode(bytes) as { b: Buffer };
    expect(Buffer.isBuffer(back.b)).toBe(true);
    expect([...back.b]).toEqual([1, 2, 3]);
    bytes.fill(0);
    expect([...back.b]).toEqual([1, 2, 3]);
  });

  it("an Error arrives as an Error with the sender's name and message, and nothing else", () => {
    const sent = Object.assign(new RangeError("too far"), { secret: "x" });
    const back = roundTrip(sent) as Error;
    expect(back).toBeInstanceOf(Error);
    expect([back.name, back.message]).toEqual(["RangeError", "too far"]);
    expect((back as { secret?: string }).secret).toBeUndefined();
  });

  it("each encode returns bytes no later encode writes over", () => {
    const first = encode({ n: 1, s: "first" });
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 2000; i++) encode({ n: i, s: "later".repeat(i % 20) });
    expect([...first]).toEqual([...copy]);
    expect(decode(first)).toEqual({ n: 1, s: "first" });
  });

  it("encodeEnvelope puts the payload last, after the transport's fields", () => {
    expect(decode(encodeEnvelope(["send", remotePid, 3], { hello: [1] }))).toEqual(["send", remotePid, 3, { hello: [1] }]);
  });
});

// A value with exactly one thing that cannot cross, and that thing's path.
const poison = fc.constantFrom<[unknown, string]>(
  [() => 1, "function"],
  [Symbol("s"), "symbol"],
  [new (class Point {})(), "class instance"],
  [makeTimerRef(), "TimerRef"],
  [new Float64Array(2), "Float64Array"],
  [/re/, "RegExp"],
  [new WeakMap(), "WeakMap"],
  [Promise.resolve(1), "Promise"],
);
const { poisoned } = fc.letrec<{ poisoned: [unknown, string, unknown]; at: [unknown, string, unknown] }>((tie) => ({
  poisoned: fc.oneof({ depthSize: "small" }, poison.map(([v]) => [v, "$", v] as [unknown, string, unknown]), tie("at")),
  at: fc.oneof(
    fc.tuple(fc.array(value, { maxLength: 3 }), tie("poisoned"), fc.nat()).map(([items, [inner, path, bad], n]) => {
      const i = n % (items.length + 1);
      items.splice(i, 0, inner);
      return [items, path.replace(/^\$/, `$[${i}]`), bad] as [unknown, string, unknown];
    }),
    fc.tuple(fc.constantFrom("a", "b_1", "odd key", "0"), tie("poisoned")).map(([k, [inner, path, bad]]) => {
      const seg = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
      return [{ ok: 1, [k]: inner }, path.replace(/^\$/, `$${seg}`), bad] as [unknown, string, unknown];
    }),
    tie("poisoned").map(([inner, path, bad]) => [new Map([["k", inner]]), path.replace(/^\$/, "$<Map>[0].value"), bad] as [unknown, string, unknown]),
    tie("poisoned").map(([inner, path, bad]) => [new Set([inner]), path.replace(/^\$/, "$<Set>[0]"), bad] as [unknown, string, unknown]),
  ),
}));

describe("what cannot cross", () => {
  it("throws EncodeError naming the offending value and its path", () => {
    fc.assert(
      fc.property(poisoned, ([v, path, bad]) => {
        const err = catchError(() => encode(v));
        expect(err).toBeInstanceOf(EncodeError);
        expect(err).toMatchObject({ name: "EncodeError", kind: "unsupported", path });
        expect((err as EncodeError).value).toBe(bad);
      }),
    );
  });

  it("names the path inside the payload for an envelope", () => {
    expect(catchError(() => encodeEnvelope(["send", 1], { a: [0, () => 1] }))).toMatchObject({ path: "$.a[1]" });
  });

  it("refuses a value that contains itself", () => {
    const loop: Record<string, unknown> = { a: [1] };
    (loop["a"] as unknown[]).push(loop);
    expect(catchError(() => encode(loop))).toMatchObject({ name: "EncodeError", kind: "cycle", path: "$.a[1]" });
  });

  it("refuses nesting beyond the depth limit", () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    expect(catchError(() => encode(deep))).toMatchObject({ name: "EncodeError", kind: "too_deep" });
  });

  it("refuses a message over the size limit", () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES);
    expect(catchError(() => encode({ big }))).toMatchObject({ name: "EncodeError", kind: "too_large", path: "$" });
    expect(catchError(() => encode("x".repeat(100), 50))).toMatchObject({ kind: "too_large" });
  });

  it("refuses an own __proto__ key, which would not arrive as sent", () => {
    const v = JSON.parse('{"x": {"__proto__": 1}}') as unknown;
    expect(catchError(() => encode(v))).toMatchObject({ name: "EncodeError", path: "$.x.__proto__" });
  });

  it("refuses a Pid when this node is not started", () => {
    leaveWire();
    try {
      expect(catchError(() => encode([localPid]))).toMatchObject({ name: "EncodeError", kind: "unsupported" });
    } finally {
      joinWire("a@test", 7, peer);
    }
  });

  it("copies null-prototype objects into plain ones", () => {
    const v = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(roundTrip({ v })).toEqual({ v: { a: 1 } });
  });
});

describe("hostile bytes", () => {
  it("any bytes decode or throw WireError, and never touch a prototype", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeOrWireError(bytes);
        expectPrototypesClean();
      }),
      { numRuns: 2000 },
    );
  });

  it("corrupted valid messages decode or throw WireError", () => {
    fc.assert(
      fc.property(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (v, flips) => {
        const bytes = Uint8Array.from(encode(v));
        for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
        decodeOrWireError(bytes);
        decodeOrWireError(bytes.subarray(0, bytes.length - 1));
        expectPrototypesClean();
      }),
    );
  });

  it("a __proto__ or constructor key sets no prototype", () => {
    // {"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}
    const bytes = Buffer.concat([
      Buffer.from([0x82, 0xa9]),
      Buffer.from("__proto__"),
      Buffer.from([0x81, 0xa8]),
      Buffer.from("polluted"),
      Buffer.from([0xc3, 0xab]),
      Buffer.from("constructor"),
      Buffer.from([0x81, 0xa9]),
      Buffer.from("prototype"),
      Buffer.from([0x81, 0xa8]),
      Buffer.from("polluted"),
      Buffer.from([0xc3]),
    ]);
    const back = decode(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back["polluted"]).toBeUndefined();
    expectPrototypesClean();
  });

  it("records defined by the peer are read without compiling code", () => {
    // A record definition (fixext1 0x72) with the key "a", then the record used 20 times: msgpackr's
    // default build compiles a reader with `new Function` after a few uses.
    const uses = Array.from({ length: 20 }, (_, i) => [0x40, i]).flat();
    const bytes = Uint8Array.from([0xdc, 0, 21, 0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 99, ...uses]);
    const original = globalThis.Function;
    const compile = vi.fn(() => {
      throw new Error("compiled");
    });
    globalThis.Function = compile as unknown as FunctionConstructor;
    try {
      const back = decode(bytes) as Array<{ a: number }>;
      expect(back).toHaveLength(21);
      expect(back[20]).toEqual({ a: 19 });
    } finally {
      globalThis.Function = original;
    }
    expect(compile).not.toHaveBeenCalled();
  });

  it.each([
    ["msgpackr's Error", [0xd4, 0x65, 0, 0x92, 0xa1, 0x78, 0xa1, 0x79]],
    ["msgpackr's Set", [0xd4, 0x73, 0, 0x90]],
    ["a typed array", [0xd5, 0x74, 8, 0]],
    ["a RegExp", [0xd4, 0x78, 0, 0x92, 0xa1, 0x61, 0xa0]],
    ["a structured-clone id", [0xd6, 0x69, 0, 0, 0, 1, 0x90]],
    ["an unknown extension", [0xd4, 0x30, 0]],
    ["a Pid of the wrong shape", [0xd4, 1, 0, 0x92, 0xa1, 0x61, 1]],
    ["a Map of odd length", [0xd4, 3, 0, 0x91, 1]],
    ["an Error of the wrong shape", [0xd4, 5, 0, 0x91, 1]],
    ["trailing bytes", [0x01, 0x02]],
    ["a truncated string", [0xa5, 0x61]],
    ["an array claiming 2^32-1 items", [0xdd, 0xff, 0xff, 0xff, 0xff]],
  ])("%s is refused with WireError", (_what, bytes) => {
    expect(catchError(() => decode(Uint8Array.from(bytes)))).toMatchObject({ name: "WireError", kind: "malformed" });
  });

  it("nesting deep enough to overflow the stack is a WireError", () => {
    const bytes = new Uint8Array(500_000).fill(0x91);
    expect(catchError(() => decode(bytes))).toMatchObject({ name: "WireError", kind: "malformed" });
  });

  it("bytes over the size limit are not decoded", () => {
    const err = catchError(() => decode(new Uint8Array(MAX_MESSAGE_BYTES + 1)));
    expect(err).toMatchObject({ name: "WireError", kind: "too_large", size: MAX_MESSAGE_BYTES + 1 });
  });
});

describe("batches (decodeAll)", () => {
  it("values one after another come back in order; one value is a batch of one", () => {
    const values = [[0, "a", 1, "x", null, "first"], "second", { third: [3n] }];
    expect(decodeAll(Buffer.concat(values.map((v) => encode(v))))).toEqual(values);
    expect(decodeAll(encode("alone"))).toEqual(["alone"]);
  });

  it("one malformed value refuses the whole batch; an empty or oversized one is refused too", () => {
    const good = encode([0, "a", 1, "x", null, "fine"]);
    expect(catchError(() => decodeAll(Buffer.concat([good, Uint8Array.from([0xa5, 0x61])])))).toMatchObject({ name: "WireError", kind: "malformed" });
    expect(catchError(() => decodeAll(Buffer.concat([good, Uint8Array.from([0xd4, 0x30, 0])])))).toMatchObject({ name: "WireError", kind: "malformed" });
    expect(catchError(() => decodeAll(new Uint8Array(0)))).toMatchObject({ name: "WireError", kind: "malformed" });
    expect(catchError(() => decodeAll(new Uint8Array(MAX_MESSAGE_BYTES + 1)))).toMatchObject({ name: "WireError", kind: "too_large" });
  });

  it("any bytes decode to values or throw WireError, and never touch a prototype", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          expect(Array.isArray(decodeAll(bytes))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

// Bytes arrive as Buffers: compare what was sent with its Uint8Arrays made Buffers.
function bytesAsBuffers(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(bytesAsBuffers);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [bytesAsBuffers(k), bytesAsBuffers(x)]));
  if (v instanceof Set) return new Set([...v].map(bytesAsBuffers));
  // fast-check makes some dictionaries without a prototype; they arrive as plain objects.
  if (v !== null && typeof v === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytesAsBuffers(x)]));
  }
  return v;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

function decodeOrWireError(bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
  }
}

function expectPrototypesClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTO_KEYS);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
}

const OBJECT_PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
