// The client's frame writer: frames encoded by the client itself (masked, as RFC 6455 requires of
// a client) reach a real `ws` server intact and in order whatever their mix of types and sizes; a
// tick's frames leave in a few socket writes; a close frame never overtakes the frames written
// before it; and a frame whose socket ended before it was written is reported, never lost silently.
import net from "node:net";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Frame, Parley, type Pid } from "../../src/index.ts";
import { flushFrames, type FrameSettler, writeFrame } from "../../src/client/frame-writer.ts";
import { ClientHarness } from "../helpers/client.ts";
import { startServer, type ServerEvent, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

/** A server that records and neither echoes nor runs commands: what it saw is exactly what was sent. */
async function recorder(): Promise<TestServer> {
  return h.defer(await startServer({ echo: false, commands: false }));
}

async function connectedTo(srv: TestServer): Promise<Pid> {
  const pid = await h.start({ url: srv.url });
  await h.next("connect", pid);
  return pid;
}

/** What the server saw of the frames after `from`: text and binary payloads, and pings. */
function seen(srv: TestServer, from = 0): Array<readonly [string, string]> {
  return srv.events.slice(from).flatMap((e: ServerEvent): Array<readonly [string, string]> => {
    if (e.type === "message") return [[e.frame.kind, e.frame.kind === "text" ? e.frame.data : e.frame.data.toString("hex")]];
    if (e.type === "ping") return [["ping", e.data.toString("hex")]];
    return [];
  });
}

/** The frame as the server must see it: text as its UTF-8 round trip (a lone surrogate becomes U+FFFD). */
function expected(frame: Frame): readonly [string, string] {
  return frame[0] === "text" ? ["text", Buffer.from(frame[1]).toString()] : [frame[0], Buffer.from(frame[1]).toString("hex")];
}

const text = (s: string): Frame => ["text", s];
const binary = (n: number, fill = 7): Frame => ["binary", new Uint8Array(n).fill(fill)];

describe("frame writer", () => {
  it("every type and size arrives intact and in order: length fields of 7, 16 and 64 bits, multi-byte text, empty payloads", async () => {
    const srv = await recorder();
    const pid = await connectedTo(srv);
    const frames: Frame[] = [
      text(""),
      text("a"),
      text("€".repeat(41)),
      text("😀".repeat(20)),
      text("\ud800 lone surrogate"),
      text("x".repeat(125)),
      text("x".repeat(126)),
      text("é".repeat(63)),
      text("y".repeat(0xffff)),
      text("z".repeat(0x10000)),
      text("w".repeat(300_000)),
      binary(0),
      binary(1),
      binary(125),
      binary(126),
      binary(0x10000, 9),
      ["ping", new Uint8Array([1, 2, 3])],
      ["ping", new Uint8Array(0)],
      text("last"),
    ];
    for (const f of frames) Parley.sendFrameAsync(pid, f);
    await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "last");
    expect(seen(srv)).toEqual(frames.map(expected));
  });

  it("any mix of frames sent in one tick arrives as sent (property)", async () => {
    const srv = await recorder();
    const pid = await connectedTo(srv);
    const frame = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }).map(text),
      fc.uint8Array({ maxLength: 300 }).map((b): Frame => ["binary", b]),
      fc.uint8Array({ maxLength: 125 }).map((b): Frame => ["ping", b]),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 60 }), async (frames) => {
        const from = srv.events.length;
        const end = text(`end ${run++}`);
        for (const f of [...frames, end]) Parley.sendFrameAsync(pid, f);
        await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === end[1]);
        expect(seen(srv, from)).toEqual([...frames, end].map(expected));
      }),
      { numRuns: 40 },
    );
  });

  it("a burst sent in one tick leaves in a few socket writes, not one per frame", async () => {
    const srv = await recorder();
    const pid = await connectedTo(srv);
    const writes = countWrites(srv.port);
    try {
      const n = 20_000;
      for (let i = 0; i < n; i++) Parley.sendFrameAsync(pid, text(`${i}`.padStart(32, "x")));
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === `${n - 1}`.padStart(32, "x"), 10_000);
      // 20,000 frames of 38 bytes are 760,000 bytes: a dozen writes of 64 KiB, whatever the turns.
      expect(writes.count).toBeLessThan(40);
      expect(srv.received).toHaveLength(n);
    } finally {
      writes.restore();
    }
  });

  it("two clients writing in the same tick each send only their own frames, in order", async () => {
    const [a, b] = [await recorder(), await recorder()];
    const [pa, pb] = [await connectedTo(a), await connectedTo(b)];
    const n = 500;
    for (let i = 0; i < n; i++) {
      Parley.sendFrameAsync(pa, text(`a${i}`));
      Parley.sendFrameAsync(pb, text(`b${i}`));
    }
    await a.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === `a${n - 1}`);
    await b.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === `b${n - 1}`);
    expect(seen(a)).toEqual(Array.from({ length: n }, (_, i) => ["text", `a${i}`]));
    expect(seen(b)).toEqual(Array.from({ length: n }, (_, i) => ["text", `b${i}`]));
  });

  it("a disconnect in the same tick as a burst closes after the burst's last frame", async () => {
    const srv = await recorder();
    const pid = await connectedTo(srv);
    const n = 2_000;
    for (let i = 0; i < n; i++) Parley.sendFrameAsync(pid, text(`${i}`));
    await Parley.disconnect(pid, { code: 4000, reason: "done" });
    const close = await srv.waitFor("close");
    expect(close.code).toBe(4000);
    expect(srv.received.map((f) => (f.kind === "text" ? f.data : ""))).toEqual(Array.from({ length: n }, (_, i) => `${i}`));
  });
});

describe("frame writer on a bare TCP socket", () => {
  it("writes a masked frame the peer can unmask, and settles it written", async () => {
    const { client, received } = await socketPair();
    const settled = settlement();
    writeFrame(client, ["text", "hello"], true, settled.settler, "tag", "b");
    const outcome = await settled.outcome;
    expect(outcome.frame).toEqual(["text", "hello"]);
    expect(outcome.tag).toBe("tag");
    expect(outcome.b).toBe("b");
    expect(outcome.err ?? undefined).toBeUndefined();
    const bytes = await received(11);
    expect(bytes[0]).toBe(0x81);
    expect(bytes[1]).toBe(0x80 | 5);
    const mask = bytes.subarray(2, 6);
    expect(Buffer.from(bytes.subarray(6, 11).map((b, i) => b ^ mask[i % 4]!)).toString()).toBe("hello");
    client.destroy();
  });

  it("settles with an error a frame whose socket the client destroyed before the end of the tick", async () => {
    const { client } = await socketPair();
    const settled = settlement();
    writeFrame(client, ["text", "first"], true);
    writeFrame(client, ["binary", new Uint8Array([1])], false, settled.settler, 1);
    client.destroy();
    const outcome = await settled.outcome;
    expect(outcome.tag).toBe(1);
    expect(outcome.err).toBeInstanceOf(Error);
  });

  it("settles with an error a large frame handed to a socket that already ended", async () => {
    const { client } = await socketPair();
    client.end();
    const settled = settlement();
    writeFrame(client, ["binary", new Uint8Array(200_000)], false, settled.settler, "big");
    flushFrames();
    const outcome = await settled.outcome;
    expect(outcome.tag).toBe("big");
    expect(outcome.err).toBeInstanceOf(Error);
    client.destroy();
  });
});

/** Counts the socket writes to a local port (the client's writes, whichever code makes them). */
function countWrites(port: number): { count: number; restore(): void } {
  const proto = net.Socket.prototype;
  const original = proto.write;
  const counter = {
    count: 0,
    restore: () => {
      proto.write = original;
    },
  };
  proto.write = function (this: net.Socket, ...args: Parameters<typeof original>) {
    if (this.remotePort === port) counter.count++;
    return original.apply(this, args);
  } as typeof original;
  return counter;
}

/** A settler that resolves with the first frame it is told about. */
function settlement(): { settler: FrameSettler; outcome: Promise<{ frame: Frame; tag: unknown; b: unknown; err: Error | null | undefined }> } {
  let resolve!: (v: { frame: Frame; tag: unknown; b: unknown; err: Error | null | undefined }) => void;
  const outcome = new Promise<{ frame: Frame; tag: unknown; b: unknown; err: Error | null | undefined }>((r) => (resolve = r));
  return { settler: { settled: (frame, tag, b, err) => resolve({ frame, tag, b, err }) }, outcome };
}

/** A loopback TCP connection: the client end, and what the server end received, once `n` bytes are in. */
async function socketPair(): Promise<{ client: net.Socket; received(n: number): Promise<Buffer> }> {
  const chunks: Buffer[] = [];
  const waiters: Array<() => void> = [];
  const server = net.createServer((s) => {
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      for (const w of waiters.splice(0)) w();
    });
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  h.defer({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  const client = net.connect((server.address() as AddressInfo).port, "127.0.0.1");
  client.on("error", () => {});
  await new Promise<void>((resolve) => client.once("connect", resolve));
  h.defer({ close: () => client.destroy() });
  const received = async (n: number): Promise<Buffer> => {
    while (Buffer.concat(chunks).length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    return Buffer.concat(chunks);
  };
  return { client, received };
}
