// sys on a client: getState is the user state, getStatus carries the connection state, replaceState
// changes what the next callback sees, trace logs events, suspend holds them.
import { describe, expect, it } from "vitest";
import { Parley, sys } from "../../src/index.ts";
import { ClientHarness, useEchoHarness, Probe, type ProbeState } from "../helpers/client.ts";
import { type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

describe("sys on a client", () => {
  it("getState is the user state", async () => {
    const pid = await h.start({ url: srv.url }, { extra: { count: 7 } });
    expect(await sys.getState(pid)).toMatchObject({ to: h.inbox.pid, count: 7 });
  });

  it("getStatus: state is the connection state, data the user state, name the registered name", async () => {
    const pid = await h.start({ url: srv.url, name: "sys-client" }, { extra: { count: 1 } });
    await h.next("connect", pid);
    const status = await sys.getStatus(pid);
    expect(status).toMatchObject({ pid, name: "sys-client", status: "running", module: Probe, state: "connected" });
    expect(status.data).toMatchObject({ count: 1 });
    await Parley.disconnect(pid);
    expect((await sys.getStatus(pid)).state).toBe("disconnected");
  });

  it("replaceState changes the user state the next callback sees", async () => {
    const pid = await h.start({ url: srv.url }, { extra: { count: 1 }, hooks: { call: (s) => ["reply", s["count"], s] } });
    const next = await sys.replaceState<ProbeState>(pid, (s) => ({ ...s, count: 99 }));
    expect(next["count"]).toBe(99);
    expect(await Parley.call(pid, "count")).toBe(99);
    expect(await sys.getState(pid)).toMatchObject({ count: 99 });
  });

  it("trace logs every event the client handles while on", async () => {
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    await sys.trace(pid, true);
    await Parley.sendFrame(pid, ["text", "traced"]);
    await h.next("frame", pid);
    await sys.trace(pid, false);
    const traced = h.logs.lines.filter((l) => l.msg === "sys trace: event");
    expect(traced.length).toBeGreaterThanOrEqual(2);
    // A connection shows as an opaque handle, not as its socket's internals.
    expect(traced.map((l) => l["event"])).toContainEqual(expect.stringMatching(/^FrameIn \{conn: #Connection<\d+>, frame: \["text", "traced"\]\}$/));
    const before = traced.length;
    await Parley.sendFrame(pid, ["text", "untraced"]);
    await h.next("frame", pid);
    expect(h.logs.lines.filter((l) => l.msg === "sys trace: event")).toHaveLength(before);
  });

  it("suspend holds frames and calls until resume, and sys requests are still served", async () => {
    const pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    await sys.suspend(pid);
    await srv.waitFor("connection");
    srv.broadcast("while suspended");
    const status = Parley.status(pid);
    expect((await sys.getStatus(pid)).status).toBe("suspended");
    expect(h.pending("frame", pid)).toEqual([]);
    await sys.resume(pid);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "while suspended"]);
    expect((await status).state).toBe("connected");
  });
});
