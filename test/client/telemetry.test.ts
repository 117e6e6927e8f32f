// Every parley:* client channel, with exactly the fields API.md lists, plus pid, name and url.
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { channels, Parley, send, sys, type Pid } from "../../src/index.ts";
import { ClientHarness, mailboxSize, until } from "../helpers/client.ts";
import { startRefusingPort, startServer, startSilentServer, type TestServer } from "../helpers/ws-server.ts";

type Msg = Record<string, unknown>;

let h: ClientHarness;
let srv: TestServer;
const seen = new Map<string, Msg[]>();
const listeners = new Map<string, (m: unknown) => void>();

const CLIENT_CHANNELS = [
  "parley:connect:start",
  "parley:connect:stop",
  "parley:connection:stop",
  "parley:frame:received",
  "parley:frame:sent",
  "parley:frame:dropped",
  "parley:reconnect:scheduled",
  "parley:reconnect:exhausted",
  "parley:heartbeat:timeout",
] as const;

function subscribeAll(): void {
  for (const name of CLIENT_CHANNELS) {
    const fn = (m: unknown): void => void (seen.get(name) ?? seen.set(name, []).get(name)!).push(m as Msg);
    listeners.set(name, fn);
    diagnostics_channel.subscribe(name, fn);
  }
}

/** The messages of `channel` about `pid`, without the meta fields (checked separately). */
function of(channel: string, pid: Pid): Msg[] {
  return (seen.get(channel) ?? []).filter((m) => m["pid"] === pid).map(({ pid: _p, name: _n, url: _u, ...rest }) => rest);
}

beforeEach(async () => {
  h = new ClientHarness();
  srv = h.defer(await startServer());
  subscribeAll();
});
afterEach(async () => {
  for (const [name, fn] of listeners) diagnostics_channel.unsubscribe(name, fn);
  listeners.clear();
  seen.clear();
  vi.restoreAllMocks();
  await h.cleanup();
});

const any = expect.any(Number) as unknown as number;

describe("client telemetry", () => {
  it("every message carries pid, name and url", async () => {
    const pid = await h.start({ url: srv.url, name: "telemetry-client" });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "hi"]);
    await h.next("frame", pid);
    await Parley.disconnect(pid);
    const all = [...seen.values()].flat().filter((m) => m["pid"] === pid);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const m of all) expect(m).toMatchObject({ pid, name: "telemetry-client", url: srv.url });
  });

  it("parley:connect:start {attempt} and parley:connect:stop {attempt, outcome: \"ok\", durationMs}", async () => {
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    expect(of("parley:connect:start", pid)).toEqual([{ attempt: 0 }]);
    expect(of("parley:connect:stop", pid)).toEqual([{ attempt: 0, outcome: "ok", durationMs: any }]);
    expect(of("parley:connect:stop", pid)[0]!["durationMs"]).toBeGreaterThanOrEqual(0);
  });

  it("parley:connect:stop with outcome \"error\" and a reason, counting retries", async () => {
    const refusing = h.defer(await startServer({ refuse: { status: 403 } }));
    const pid = await h.start({ url: refusing.url, reconnect: { baseDelay: 5, maxRetries: 1 } });
    await h.exitReason(pid);
    expect(of("parley:connect:start", pid)).toEqual([{ attempt: 0 }, { attempt: 1 }]);
    const stops = of("parley:connect:stop", pid);
    expect(stops).toEqual([
      { attempt: 0, outcome: "error", reason: ["error", expect.objectContaining({ statusCode: 403 })], durationMs: any },
      { attempt: 1, outcome: "error", reason: ["error", expect.objectContaining({ statusCode: 403 })], durationMs: any },
    ]);
  });

  it("parley:connect:stop with reason \"connect_timeout\", and \"aborted\" for a disconnect mid-dial", async () => {
    const silent = h.defer(await startSilentServer());
    const timedOut = await h.start({ url: silent.url, connectTimeout: 30 });
    await h.exitReason(timedOut);
    expect(of("parley:connect:stop", timedOut)).toEqual([{ attempt: 0, outcome: "error", reason: "connect_timeout", durationMs: any }]);
    const aborted = await h.start({ url: silent.url, connectTimeout: 60_000 });
    await Parley.disconnect(aborted);
    expect(of("parley:connect:stop", aborted)).toEqual([{ attempt: 0, outcome: "aborted", reason: "closed", durationMs: any }]);
  });

  it("parley:connection:stop {reason, durationMs} for local and remote closes", async () => {
    const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 5 } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:4001:x"]);
    await h.next("disconnect", pid);
    await h.next("connect", pid);
    await Parley.disconnect(pid);
    expect(of("parley:connection:stop", pid)).toEqual([
      { reason: ["remote_close", 4001, "x"], durationMs: any },
      { reason: "closed", durationMs: any },
    ]);
  });

  it("spans stay balanced when the client exits: connect:stop \"aborted\" and connection:stop carry the exit reason", async () => {
    const silent = h.defer(await startSilentServer());
    const dialing = await h.start({ url: silent.url, connectTimeout: 60_000 });
    await Parley.stop(dialing);
    expect(of("parley:connect:start", dialing)).toEqual([{ attempt: 0 }]);
    expect(of("parley:connect:stop", dialing)).toEqual([{ attempt: 0, outcome: "aborted", reason: "normal", durationMs: any }]);
    const up = await h.start({ url: srv.url });
    await h.next("connect", up);
    await Parley.stop(up, "shutdown");
    expect(of("parley:connection:stop", up)).toEqual([{ reason: "shutdown", durationMs: any }]);
    // A client that exits while closing ends its connection span once, too.
    const mute = h.defer(await startServer({ closeReply: false }));
    const closing = await h.start({ url: mute.url, closeTimeout: 60_000 }, { hooks: { info: (s) => ["disconnect", "leaving", s] } });
    await h.next("connect", closing);
    send(closing, "leave");
    await h.next("info", closing);
    expect((await Parley.status(closing)).state).toBe("closing");
    await Parley.stop(closing);
    expect(of("parley:connection:stop", closing)).toEqual([{ reason: "normal", durationMs: any }]);
  });

  it("a connection left while the server is already closing it ends its connection span, not a dial span", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { info: (s) => ["disconnect", "leaving", s] } });
    await h.next("connect", pid);
    await sys.suspend(pid);
    send(pid, "leave");
    (await srv.waitFor("connection")).socket.close(4000, "server leaves");
    await srv.waitFor("close");
    await until(() => mailboxSize(pid) >= 2); // the info, then the socket's end
    await sys.resume(pid);
    expect((await h.next("disconnect", pid))[2]).toBe("leaving");
    await Parley.status(pid);
    expect(of("parley:connect:stop", pid)).toEqual([{ attempt: 0, outcome: "ok", durationMs: any }]);
    expect(of("parley:connection:stop", pid)).toEqual([{ reason: "leaving", durationMs: any }]);
    expect(h.pending("disconnect", pid)).toEqual([]);
  });

  it("parley:frame:received and parley:frame:sent {type, size}, with automatic pongs and no close frames", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { connect: (s) => ["push", ["text", "héllo"], s] } });
    await h.next("frame", pid); // the echo of the push
    await Parley.sendFrame(pid, ["binary", new Uint8Array(4)]);
    await h.next("frame", pid);
    await Parley.sendFrame(pid, ["text", "ping:abc"]);
    await h.next("ping", pid);
    await Parley.sendFrame(pid, ["ping", new Uint8Array(2)]);
    await h.next("frame", pid); // its pong
    await Parley.disconnect(pid);
    expect(of("parley:frame:sent", pid)).toEqual([
      { type: "text", size: 6 },
      { type: "binary", size: 4 },
      { type: "text", size: 8 },
      { type: "pong", size: 3 },
      { type: "ping", size: 2 },
    ]);
    expect(of("parley:frame:received", pid)).toEqual([
      { type: "text", size: 6 },
      { type: "binary", size: 4 },
      { type: "ping", size: 3 },
      { type: "pong", size: 2 },
    ]);
  });

  it("parley:frame:sent covers heartbeat pings and frames queued while connecting", async () => {
    const slow = h.defer(await startServer({ upgradeDelay: 50 }));
    const pid = await h.start({ url: slow.url, heartbeat: { interval: 10, timeout: 1000 } });
    Parley.sendFrameAsync(pid, ["text", "queued"]);
    await h.next("connect", pid);
    await slow.waitFor("ping");
    await Parley.status(pid);
    const sent = of("parley:frame:sent", pid);
    expect(sent[0]).toEqual({ type: "text", size: 6 });
    expect(sent).toContainEqual({ type: "ping", size: 0 });
  });

  it("parley:frame:dropped {type, size, why}, with a warning for a push outside connected", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { info: (s) => ["push", ["binary", new Uint8Array(9)], s] } });
    await h.next("connect", pid);
    await Parley.disconnect(pid);
    send(pid, "push now");
    await h.next("info", pid);
    await Parley.status(pid);
    expect(of("parley:frame:dropped", pid)).toEqual([{ type: "binary", size: 9, why: "not_connected" }]);
    const warnings = h.logs.lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: "push outside connected dropped", callback: "handleInfo", state: "disconnected" });
  });

  it("parley:reconnect:scheduled {attempt, delayMs} and parley:reconnect:exhausted {attempt}", async () => {
    const { url } = await startRefusingPort();
    const pid = await h.start({ url, reconnect: { baseDelay: 4, maxDelay: 8, maxRetries: 3 } });
    await h.exitReason(pid);
    const scheduled = of("parley:reconnect:scheduled", pid);
    expect(scheduled).toEqual([1, 2, 3].map((attempt) => ({ attempt, delayMs: any })));
    expect(of("parley:reconnect:exhausted", pid)).toEqual([{ attempt: 3 }]);
  });

  it("parley:heartbeat:timeout {}", async () => {
    const deaf = h.defer(await startServer({ autoPong: false }));
    const pid = await h.start({ url: deaf.url, heartbeat: { interval: 10, timeout: 20 } });
    await h.next("disconnect", pid);
    expect(of("parley:heartbeat:timeout", pid)).toEqual([{}]);
    expect((seen.get("parley:heartbeat:timeout") ?? []).find((m) => m["pid"] === pid)).toEqual({ pid, name: undefined, url: deaf.url });
  });

  it("url follows a reconnect override", async () => {
    const other = h.defer(await startServer());
    const pid = await h.start(
      { url: srv.url, reconnect: { baseDelay: 5 } },
      { hooks: { disconnect: (s) => ["reconnect", s, { url: other.url }] } },
    );
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:1000:move"]);
    await h.next("connect", pid);
    const starts = (seen.get("parley:connect:start") ?? []).filter((m) => m["pid"] === pid);
    expect(starts.map((m) => m["url"])).toEqual([srv.url, other.url]);
  });

  it("publishes nothing when nobody subscribes", async () => {
    for (const [name, fn] of listeners) diagnostics_channel.unsubscribe(name, fn);
    listeners.clear();
    const spies = Object.values(channels).map((c) => vi.spyOn(c, "publish"));
    const pid = await h.start({ url: srv.url, heartbeat: { interval: 5, timeout: 1000 } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "hi"]);
    await h.next("frame", pid);
    await Parley.disconnect(pid);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
