// One test per defect of Elixir's Parley that the contract fixes (research notes, section 11),
// each set up so that it would fail against the defect: servers stay up where "does not
// reconnect" is claimed, and the exact codes and reasons are asserted.
import { describe, expect, it } from "vitest";
import type WebSocket from "ws";
import {
  BadReturnError,
  Inbox,
  InvalidFrameError,
  isAlive,
  NotConnectedError,
  Parley,
  QueueFullError,
  send,
  sys,
  type FrameDroppedMessage,
} from "../../src/index.ts";
import { ClientHarness, useEchoHarness, upgrades, mailboxSize, Probe, quiet, until, type ProbeState } from "../helpers/client.ts";
import { startHalfOpenServer, startRefusingPort, startServer, startSilentServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

/** Writes raw bytes to the client from the server's side of the socket. */
function rawWrite(ws: WebSocket, bytes: number[]): void {
  (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from(bytes));
}

describe("Parley defects the contract fixes", () => {
  it("11.1 a send that fails on a dead socket is reported as an error, not as a stale \"closed\"", async () => {
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    await sys.suspend(pid);
    const sending = Parley.sendFrame(pid, ["text", "into the void"]).catch((e: unknown) => e);
    (await srv.waitFor("connection")).socket.terminate();
    await until(() => mailboxSize(pid) >= 2); // the send, then the socket's end
    await sys.resume(pid);
    expect(await sending).toBeInstanceOf(Error);
    const [, , reason] = await h.next("disconnect", pid);
    expect(reason).toMatchObject(["error", expect.any(Error)]);
    expect(isAlive(pid)).toBe(true);
  });

  it("11.2 a push from handleConnect on a socket that just died does not crash the client", async () => {
    const dying = h.defer(await startServer({ onConnection: (ws) => ws.terminate() }));
    const pid = await h.start(
      { url: dying.url },
      {
        hooks: {
          connect: async (s) => {
            await dying.waitFor("close");
            return ["push", ["text", "too late"], s];
          },
        },
      },
    );
    await h.next("connect", pid);
    const [, , reason] = await h.next("disconnect", pid);
    expect(reason).toMatchObject(["error", expect.any(Error)]);
    expect(isAlive(pid)).toBe(true);
    expect(h.logs.errors()).toEqual([]);
  });

  it("11.3 disconnect() with reconnection on does not reconnect (the server stays up)", async () => {
    const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 1, maxDelay: 2 } });
    await h.next("connect", pid);
    await Parley.disconnect(pid);
    await quiet(100);
    expect(upgrades(srv)).toBe(1);
    expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
  });

  it("11.4 events of an abandoned socket never reach the callbacks of a newer connection", async () => {
    const greeter = h.defer(await startServer({ greeting: "hi", upgradeDelay: 300 }));
    const pid = await h.start({ url: greeter.url, connectTimeout: 60_000 });
    await sys.suspend(pid);
    // Queued first: the disconnect gives up on socket A while it is still dialing ...
    const disconnected = Parley.disconnect(pid);
    // ... then A's upgrade and greeting arrive behind it, and a connect() for socket B.
    await greeter.waitFor("connection");
    await until(() => mailboxSize(pid) >= 3);
    const connected = Parley.connect(pid);
    await sys.resume(pid);
    await disconnected;
    await connected;
    expect((await h.next("disconnect", pid))[2]).toBe("closed");
    await h.next("connect", pid);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "hi"]);
    await Parley.status(pid);
    // One upgrade and one greeting reached the callbacks: B's. A's were dropped.
    expect(h.pending("connect", pid)).toEqual([]);
    expect(h.pending("frame", pid)).toEqual([]);
    expect(h.pending("disconnect", pid)).toEqual([]);
    expect(upgrades(greeter)).toBe(2);
  });

  it("11.4 a heartbeat-abandoned socket's late close does not end the next connection", async () => {
    // The first connection never answers pings; later ones do.
    let connections = 0;
    const flaky = h.defer(
      await startServer({ autoPong: false, onConnection: (ws) => void (++connections > 1 && ws.on("ping", (d: Buffer) => ws.pong(d))) }),
    );
    const pid = await h.start({ url: flaky.url, heartbeat: { interval: 10, timeout: 60 }, reconnect: { baseDelay: 1 } });
    await h.next("connect", pid);
    expect((await h.next("disconnect", pid))[2]).toBe("heartbeat_timeout");
    await h.next("connect", pid);
    await flaky.waitFor("close", (e) => e.id === 1); // A's socket is gone, and its end reached the client
    await Parley.sendFrame(pid, ["text", "on B"]);
    expect((await h.next("frame", pid, (e) => e[2][0] === "text"))[2]).toEqual(["text", "on B"]);
    expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
    expect(h.pending("disconnect", pid)).toEqual([]);
  });

  it("11.5 a frame that arrives with the 101 response is delivered", async () => {
    const greeter = h.defer(await startServer({ greeting: "first words" }));
    const pid = await h.start({ url: greeter.url });
    await h.next("connect", pid);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "first words"]);
  });

  describe("11.6 protocol errors close the connection with the right code", () => {
    const cases: Array<[string, number[], number, string]> = [
      ["invalid UTF-8 in a text frame", [0x81, 0x02, 0xc3, 0x28], 1007, "WS_ERR_INVALID_UTF8"],
      ["a reserved bit set", [0xc1, 0x01, 0x41], 1002, "WS_ERR_UNEXPECTED_RSV_1"],
      ["a masked frame from the server", [0x81, 0x81, 1, 2, 3, 4, 0x41], 1002, "WS_ERR_UNEXPECTED_MASK"],
      ["an invalid close code", [0x88, 0x02, 0x03, 0xe7], 1002, "WS_ERR_INVALID_CLOSE_CODE"],
      ["a fragmented control frame", [0x09, 0x00], 1002, "WS_ERR_EXPECTED_FIN"],
    ];
    for (const [what, bytes, code, errCode] of cases) {
      it(`${what}: close ${code}, ["error", ${errCode}], alive`, async () => {
        const pid = await h.start({ url: srv.url });
        await h.next("connect", pid);
        rawWrite((await srv.waitFor("connection")).socket, bytes);
        const [, , reason] = await h.next("disconnect", pid);
        expect(reason).toMatchObject(["error", { code: errCode }]);
        expect((await srv.waitFor("close")).code).toBe(code);
        expect(h.pending("frame", pid)).toEqual([]);
        expect(isAlive(pid)).toBe(true);
      });
    }
  });

  it("11.7 the close handshake sends the code and waits for the server's reply", async () => {
    const mute = h.defer(await startServer({ closeReply: false }));
    const pid = await h.start({ url: mute.url, closeTimeout: 100 });
    await h.next("connect", pid);
    const t0 = performance.now();
    await Parley.disconnect(pid, { code: 4000, reason: "done" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    // A server that does answer sees the code, and the client echoes a server's code.
    const other = await h.start({ url: srv.url });
    await h.next("connect", other);
    await Parley.disconnect(other, { code: 4001, reason: "bye" });
    expect(await srv.waitFor("close")).toMatchObject({ code: 4001, reason: "bye" });
  });

  it("11.8 malformed frames are refused, never crash the client", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    await expect(Parley.sendFrame(pid, ["text", 1] as never)).rejects.toBeInstanceOf(InvalidFrameError);
    Parley.sendFrameAsync(pid, { not: "a frame" } as never);
    await Parley.status(pid);
    expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["invalid_frame"]);
    expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
    expect(h.logs.errors()).toEqual([]);
  });

  it("11.9 the queue is bounded and incoming messages are capped", async () => {
    const silent = h.defer(await startSilentServer());
    const pid = await h.start({ url: silent.url, maxQueue: 1, connectTimeout: 60_000 });
    Parley.sendFrameAsync(pid, ["text", "fills it"]);
    await expect(Parley.sendFrame(pid, ["text", "one too many"])).rejects.toBeInstanceOf(QueueFullError);
    const capped = await h.start({ url: srv.url, maxPayload: 10 });
    await h.next("connect", capped);
    await Parley.sendFrame(capped, ["text", "send-big:11"]);
    expect((await h.next("disconnect", capped))[2]).toMatchObject(["error", { code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" }]);
  });

  it("11.10 dialing does not block the client: disconnect and status answer while connecting", async () => {
    const silent = h.defer(await startSilentServer());
    const pid = await h.start({ url: silent.url, connectTimeout: 60_000 });
    const t0 = performance.now();
    expect((await Parley.status(pid)).state).toBe("connecting");
    await Parley.disconnect(pid);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it("11.11 every start-up failure goes through handleDisconnect: a refused upgrade leaves the client alive", async () => {
    const refusing = h.defer(await startServer({ refuse: { status: 403 } }));
    const refused = await h.start({ url: refusing.url });
    expect((await h.next("disconnect", refused))[2]).toMatchObject(["error", { statusCode: 403 }]);
    expect(await Parley.status(refused)).toMatchObject({ state: "disconnected" });
    const { url } = await startRefusingPort();
    const unreachable = await h.start({ url });
    expect((await h.next("disconnect", unreachable))[2]).toMatchObject(["error", { code: "ECONNREFUSED" }]);
    expect(await h.exitReason(unreachable)).toMatchObject(["error", { code: "ECONNREFUSED" }]);
  });

  it("11.12 no zombie: Parley.connect revives a client that decided to stay down", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { disconnect: (s) => ["disconnect", s] } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
    await h.next("disconnect", pid);
    await Parley.connect(pid);
    await h.next("connect", pid);
  });

  it("11.14 handleDisconnect sees the final attempt: attempt === maxRetries before the exit", async () => {
    const { url } = await startRefusingPort();
    const pid = await h.start({ url, reconnect: { baseDelay: 1, maxRetries: 2 } });
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push((await h.next("disconnect", pid))[3]);
    expect(attempts).toEqual([0, 1, 2]);
    expect(await h.exitReason(pid)).toEqual(["error", "max_retries_exceeded"]);
  });

  it("11.15 frames queued while connecting are rejected, not sent, after [\"disconnect\"] from handleConnect", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const slow = h.defer(await startServer({ upgradeDelay: 60 }));
    const pid = await h.start({ url: slow.url }, { hooks: { connect: (s) => ["disconnect", "not_authorized", s] } });
    const queued = Parley.sendFrame(pid, ["text", "queued"]).catch((e: unknown) => e);
    Parley.sendFrameAsync(pid, ["text", "queued async"]);
    expect(await queued).toBeInstanceOf(NotConnectedError);
    expect((await h.next("disconnect", pid))[2]).toBe("not_authorized");
    expect((await slow.waitFor("close")).code).toBe(1000);
    expect(slow.received).toEqual([]);
    expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["closing"]);
  });

  it("11.16 [\"disconnect\", ...] from handleInfo while disconnected cancels the pending retry (the server stays up)", async () => {
    const pid = await h.start(
      { url: srv.url, reconnect: { baseDelay: 200, maxDelay: 200 } },
      { hooks: { info: (s, msg) => (msg === "stay down" ? ["disconnect", "user_said_so", { ...s, down: true }] : ["ok", s]) } },
    );
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
    await h.next("disconnect", pid);
    expect(await Parley.status(pid)).toMatchObject({ state: "disconnected", attempt: 1 });
    send(pid, "stay down");
    await h.next("info", pid);
    await quiet(250); // longer than any delay the retry could have had (101 to 200 ms)
    expect(upgrades(srv)).toBe(1);
    expect(h.pending("disconnect", pid)).toEqual([]);
    expect(await sys.getState(pid)).toMatchObject({ down: true });
  });

  it("11.17 a half-open connection is detected by the heartbeat", async () => {
    const half = h.defer(await startHalfOpenServer());
    const pid = await h.start({ url: half.url, heartbeat: { interval: 10, timeout: 30 } });
    await h.next("connect", pid);
    expect((await h.next("disconnect", pid))[2]).toBe("heartbeat_timeout");
  });

  it("11.20 no reserved message: a user's \"reconnect\" goes to handleInfo and dials nothing", async () => {
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    await Parley.disconnect(pid);
    for (const msg of ["reconnect", ["timeout", "reconnect"], "connect_timeout"]) {
      send(pid, msg);
      expect((await h.next("info", pid))[2]).toEqual(msg);
    }
    await Parley.status(pid);
    expect(upgrades(srv)).toBe(1);
    expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
  });

  it("11.21 a supervisor-style shutdown closes with 1001 and runs terminate", async () => {
    const parent = new Inbox();
    h.defer({ close: () => parent.close() });
    const state: ProbeState = { to: h.inbox.pid, hooks: {} };
    const pid = h.track(await parent.run(() => Probe.startLink(state, { url: srv.url })));
    await h.next("connect", pid);
    parent.close("shutdown");
    expect((await h.next("terminate", pid))[2]).toBe("shutdown");
    expect((await srv.waitFor("close")).code).toBe(1001);
  });

  it("a bad push is a BadReturnError, the one crash the contract keeps", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { frame: (s) => ["push", ["ping", new Uint8Array(200)], s] } });
    await h.next("connect", pid);
    Parley.sendFrameAsync(pid, ["text", "x"]);
    expect(await h.exitReason(pid)).toBeInstanceOf(BadReturnError);
  });
});
