// Issue 10, defect 3, and the table of hostile servers that keeps the client's promise: a server
// that answered anything (API §5: from its first response byte) leaves the client alive in
// `disconnected`, whatever it does next; only a server that never answered makes the very first
// attempt exit. Every case ends in exactly one handleDisconnect, with a reason that says why.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parley } from "../../src/index.ts";
import { ClientHarness } from "../helpers/client.ts";
import { scriptedServer, serverFrame, type Exchange } from "./raw-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

interface Case {
  readonly name: string;
  readonly script: (x: Exchange) => void;
  /** What handleDisconnect gets. */
  readonly reason: unknown;
  /** Whether the client lives on in `disconnected` (the server answered) or exits. */
  readonly alive: boolean;
  /** The client saw a connection first. */
  readonly connects?: boolean;
}

const CASES: readonly Case[] = [
  {
    name: "half a status line, then a FIN",
    script: ({ socket }) => socket.end("HTTP/1.1 101 Swi"),
    reason: ["error", expect.objectContaining({ message: "socket hang up" })],
    alive: true,
  },
  {
    name: "a status line and half the headers, then an RST",
    script: ({ socket }) => socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: webso", () => socket.resetAndDestroy()),
    reason: ["error", expect.objectContaining({ code: "ECONNRESET" })],
    alive: true,
  },
  {
    name: "slowloris: a header line every 20 ms, never the end of the head",
    script: ({ socket, every }) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\n");
      let n = 0;
      every(20, () => socket.write(`X-Slow-${n++}: still coming\r\n`));
    },
    reason: "connect_timeout",
    alive: true,
  },
  {
    name: "the upgrade, then a FIN without a close frame (half-open close)",
    script: ({ socket, accept }) => socket.end(accept),
    reason: ["error", expect.objectContaining({ code: "ECONNRESET" })],
    alive: true,
    connects: true,
  },
  {
    name: "the upgrade, then an RST in the middle of a frame",
    script: ({ socket, accept }) => {
      const frame = serverFrame(0x1, Buffer.from("truncated frame"));
      socket.write(Buffer.concat([Buffer.from(accept, "latin1"), frame.subarray(0, 6)]), () => socket.resetAndDestroy());
    },
    reason: ["error", expect.objectContaining({ code: "ECONNRESET" })],
    alive: true,
    connects: true,
  },
  {
    name: "the upgrade and a close frame, then an RST before the client's reply",
    script: ({ socket, accept }) => {
      const close = serverFrame(0x8, Buffer.from([0x0f, 0xa0, 0x62, 0x79, 0x65]));
      socket.write(Buffer.concat([Buffer.from(accept, "latin1"), close]), () => socket.resetAndDestroy());
    },
    reason: ["remote_close", 4000, "bye"],
    alive: true,
    connects: true,
  },
  {
    name: "an RST before any byte: never answered",
    script: ({ socket }) => socket.resetAndDestroy(),
    reason: ["error", expect.objectContaining({ code: "ECONNRESET" })],
    alive: false,
  },
  {
    name: "a FIN before any byte: never answered",
    script: ({ socket }) => socket.end(),
    reason: ["error", expect.objectContaining({ message: "socket hang up" })],
    alive: false,
  },
];

describe("hostile servers", () => {
  it.each(CASES)("$name", async ({ script, reason, alive, connects }) => {
    const srv = h.defer(await scriptedServer(script));
    const pid = await h.start({ url: srv.url, connectTimeout: 150 });
    if (connects) await h.next("connect", pid);
    const [, , got] = await h.next("disconnect", pid);
    expect(got).toEqual(reason);
    if (alive) {
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
      expect(h.logs.errors()).toEqual([]);
    } else {
      expect(await h.exitReason(pid)).toEqual(reason);
    }
    expect(h.pending("disconnect", pid)).toEqual([]);
  });
});
