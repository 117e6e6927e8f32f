// The heartbeat: a ping every `interval` while connected; without a pong or any data within
// `timeout`, the connection ends with "heartbeat_timeout" and the usual decision follows.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parley, type ConnectionStopMessage } from "../../src/index.ts";
import { ClientHarness, quiet } from "../helpers/client.ts";
import { startHalfOpenServer, startServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

const pings = (s: TestServer): number => s.events.filter((e) => e.type === "ping").length;

describe("heartbeat", () => {
  it("disconnects with \"heartbeat_timeout\" when pings go unanswered, then reconnects as decided", async () => {
    const timeouts = h.telemetry("parley:heartbeat:timeout");
    const stops = h.telemetry<ConnectionStopMessage>("parley:connection:stop");
    const deaf = h.defer(await startServer({ autoPong: false }));
    const pid = await h.start({ url: deaf.url, heartbeat: { interval: 20, timeout: 40 }, reconnect: { baseDelay: 5 } });
    await h.next("connect", pid);
    const [, , reason, attempt] = await h.next("disconnect", pid);
    expect([reason, attempt]).toEqual(["heartbeat_timeout", 0]);
    expect(timeouts.filter((m) => m["pid"] === pid)).toHaveLength(1);
    expect(stops.filter((m) => m.pid === pid)[0]).toMatchObject({ reason: "heartbeat_timeout" });
    expect(pings(deaf)).toBeGreaterThanOrEqual(1);
    // The normal decision: the reconnect option applies.
    await h.next("connect", pid);
  });

  it("stays down after a heartbeat timeout without the reconnect option", async () => {
    const deaf = h.defer(await startServer({ autoPong: false }));
    const pid = await h.start({ url: deaf.url, heartbeat: { interval: 20, timeout: 30 } });
    await h.next("connect", pid);
    expect((await h.next("disconnect", pid))[2]).toBe("heartbeat_timeout");
    expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    // The server sees the socket end.
    await deaf.waitFor("close");
  });

  it("notices when a server stops answering pings mid-connection", async () => {
    const srv = h.defer(await startServer());
    const pid = await h.start({ url: srv.url, heartbeat: { interval: 20, timeout: 40 } });
    await h.next("connect", pid);
    await srv.waitFor("ping");
    await Parley.sendFrame(pid, ["text", "stop-pong"]);
    expect((await h.next("disconnect", pid))[2]).toBe("heartbeat_timeout");
  });

  it("detects a half-open connection", async () => {
    const half = h.defer(await startHalfOpenServer());
    const pid = await h.start({ url: half.url, heartbeat: { interval: 20, timeout: 40 } });
    await h.next("connect", pid);
    expect((await h.next("disconnect", pid))[2]).toBe("heartbeat_timeout");
  });

  it("keeps a healthy connection up", async () => {
    const srv = h.defer(await startServer());
    // A generous timeout: a loaded machine may stall the event loop, and a late pong is no dead peer.
    const pid = await h.start({ url: srv.url, heartbeat: { interval: 10, timeout: 100 } });
    await h.next("connect", pid);
    await srv.waitFor("ping", () => pings(srv) >= 25); // several deadlines have passed
    expect(h.pending("disconnect", pid)).toEqual([]);
    // Pongs of the heartbeat's pings go to handleFrame like any other pong.
    expect(h.pending("frame", pid).length).toBeGreaterThanOrEqual(1);
    expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
  });

  it("counts any data as a sign of life", async () => {
    const chatty = h.defer(
      await startServer({
        autoPong: false,
        onConnection: (ws) => {
          const tick = setInterval(() => ws.send("tick"), 5);
          ws.once("close", () => clearInterval(tick));
        },
      }),
    );
    const pid = await h.start({ url: chatty.url, heartbeat: { interval: 10, timeout: 100 } });
    await h.next("connect", pid);
    await chatty.waitFor("ping", () => pings(chatty) >= 25);
    expect(h.pending("disconnect", pid)).toEqual([]);
  });

  it("sends no pings while not connected", async () => {
    const srv = h.defer(await startServer());
    const pid = await h.start({ url: srv.url, heartbeat: { interval: 10, timeout: 200 } });
    await h.next("connect", pid);
    await srv.waitFor("ping");
    await Parley.disconnect(pid);
    const before = pings(srv);
    await quiet(50); // five intervals
    expect(pings(srv)).toBe(before);
  });
});
