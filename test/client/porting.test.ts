// What an Elixir port expects of the client (API.md §8a): frames kept while it will be connected
// again (connecting, or waiting to retry) and sent after handleConnect's push; failed only when it
// gives up; sendFrame's timeout as the staleness bound; Parley.status(self()) in a callback; and
// a call to a client without handleCall crashing it with ["bad_call", req].
import { describe, expect, it } from "vitest";
import {
  ExitError,
  NotConnectedError,
  Parley,
  self,
  sys,
  TimeoutError,
  type ClientStatus,
  type FrameDroppedMessage,
  type Pid,
} from "../../src/index.ts";
import { ClientHarness, type Hooks, useEchoHarness } from "../helpers/client.ts";
import { texts, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

const RETRY = { baseDelay: 20, maxDelay: 40 };

/** A hook set whose handleCast pushes the frame it is cast, and whose handleConnect pushes "hello". */
const pushing: Hooks = {
  connect: (s) => ["push", ["text", "hello"], s],
  cast: (s, msg) => ["push", ["text", String(msg)], s],
};

/** Starts a client on the echo server, waits for its connection, then takes the server down. */
async function connectedThenServerDown(options: object, hooks: Hooks = pushing): Promise<Pid> {
  const pid = await h.start({ url: srv.url, ...options }, { hooks });
  await h.next("connect", pid);
  await srv.close();
  await h.next("disconnect", pid);
  return pid;
}

describe("frames while the client reconnects", () => {
  it("with reconnect on: sendFrame, sendFrameAsync and pushes wait, then go out after handleConnect's push, in order", async () => {
    const pid = await connectedThenServerDown({ reconnect: RETRY });
    const sent = Parley.sendFrame(pid, ["text", "q1"]);
    Parley.sendFrameAsync(pid, ["text", "q2"]);
    Parley.cast(pid, "q3");
    await h.next("cast", pid);
    const status = await Parley.status(pid);
    expect(["connecting", "disconnected"]).toContain(status.state);
    expect(status.queued).toBe(3);
    const before = texts(srv).length;
    await srv.restart();
    await sent;
    await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "q3");
    expect(texts(srv).slice(before)).toEqual(["hello", "q1", "q2", "q3"]);
    expect(await Parley.status(pid)).toMatchObject({ state: "connected", queued: 0 });
    expect(h.logs.lines.filter((l) => l.msg === "push outside connected dropped")).toEqual([]);
  });

  it("with reconnect off: nothing changes, a send is refused and a push dropped while disconnected", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid = await connectedThenServerDown({});
    const err = await Parley.sendFrame(pid, ["text", "late"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotConnectedError);
    expect((err as NotConnectedError).state).toBe("disconnected");
    Parley.cast(pid, "pushed");
    await h.next("cast", pid);
    await Parley.status(pid);
    expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["not_connected"]);
    expect(h.logs.lines.find((l) => l.msg === "push outside connected dropped")).toMatchObject({ process: String(pid), state: "disconnected" });
  });

  it("rejects NotConnectedError and reports drops when handleDisconnect gives up with [\"disconnect\", s]", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    let giveUp = false;
    const hooks: Hooks = { ...pushing, disconnect: (s) => (giveUp ? ["disconnect", s] : ["ok", s]) };
    const pid = await connectedThenServerDown({ reconnect: RETRY }, hooks);
    const sent = Parley.sendFrame(pid, ["text", "never"]);
    Parley.sendFrameAsync(pid, ["text", "never either"]);
    giveUp = true;
    const err = await sent.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotConnectedError);
    expect((err as Error).message).toMatch(/gave up/);
    expect(dropped.filter((m) => m.pid === pid)).toEqual([expect.objectContaining({ type: "text", size: 12, why: "connect_failed" })]);
    expect(await Parley.status(pid)).toMatchObject({ state: "disconnected", queued: 0 });
  });

  it("rejects them when the retries are exhausted, or when Parley.disconnect calls the retry off", async () => {
    const exhausted = await connectedThenServerDown({ reconnect: { ...RETRY, maxRetries: 2 } });
    const err = await Parley.sendFrame(exhausted, ["text", "x"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotConnectedError);
    expect(await h.exitReason(exhausted)).toEqual(["error", "max_retries_exceeded"]);

    await srv.restart();
    const waiting = await connectedThenServerDown({ reconnect: { baseDelay: 60_000 } });
    const sent = Parley.sendFrame(waiting, ["text", "y"]);
    expect(await Parley.status(waiting)).toMatchObject({ state: "disconnected", queued: 1 });
    await Parley.disconnect(waiting);
    await expect(sent).rejects.toBeInstanceOf(NotConnectedError);
  });

  it("never sends a frame whose sendFrame timed out: the timeout bounds how stale it may get", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid = await connectedThenServerDown({ reconnect: RETRY });
    const stale = Parley.sendFrame(pid, ["text", "order 17: buy at 101.5"], { timeout: 30 });
    await expect(stale).rejects.toBeInstanceOf(TimeoutError);
    const fresh = Parley.sendFrame(pid, ["text", "order 18: buy at 99.8"], { timeout: 10_000 });
    await srv.restart();
    await fresh;
    await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data.startsWith("order 18"));
    expect(texts(srv)).not.toContain("order 17: buy at 101.5");
    expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["expired"]);
  });

  it("lets a fresh frame take the place of stale ones in a full queue", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid = await connectedThenServerDown({ reconnect: RETRY, maxQueue: 1 });
    await expect(Parley.sendFrame(pid, ["text", "stale"], { timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const fresh = Parley.sendFrame(pid, ["text", "fresh"]);
    expect(await Parley.status(pid)).toMatchObject({ queued: 1 });
    expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["expired"]);
    await srv.restart();
    await fresh;
  });
});

describe("Parley.status(self()) inside a callback", () => {
  it("answers at once, by pid or by the client's name", async () => {
    const hooks: Hooks = {
      cast: async (s) => {
        const byPid: ClientStatus = await Parley.status(self());
        const byName = await Parley.status("porting.self");
        return ["ok", { ...s, seen: [byPid, byName] }];
      },
    };
    const pid = await h.start({ url: srv.url, name: "porting.self" }, { hooks });
    await h.next("connect", pid);
    Parley.cast(pid, "look");
    await h.next("cast", pid);
    // API §9: while connected, status also shows both ends of the socket.
    const ends = { peer: { address: "127.0.0.1", port: srv.port, family: "IPv4" }, local: expect.objectContaining({ address: "127.0.0.1" }) };
    const expected = { state: "connected", url: srv.url, attempt: 0, queued: 0, ...ends };
    // The cast's callback has finished before sys's request is handled.
    expect(((await sys.getState(pid)) as { seen?: unknown }).seen).toEqual([expected, expected]);
    expect(h.pending("terminate", pid)).toEqual([]);
  });
});

describe("a client without handleCall", () => {
  class NoCalls extends Parley<null> {}

  it("crashes with [\"bad_call\", req], as a GenServer does, so the caller does not wait for its timeout", async () => {
    const pid = h.track(await NoCalls.start(null, { url: srv.url }));
    await h.monitor(pid);
    const err = await Parley.call(pid, ["quote", "BTC"], 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).reason).toEqual(["bad_call", ["quote", "BTC"]]);
    expect(await h.exitReason(pid)).toEqual(["bad_call", ["quote", "BTC"]]);
    expect(h.logs.errors()).toEqual([expect.objectContaining({ module: "NoCalls", callback: "handleCall", reason: '["bad_call", ["quote", "BTC"]]' })]);
  });
});
