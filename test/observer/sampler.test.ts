import { describe, expect, it } from "vitest";
import { DynamicSupervisor, GenServer, Global, Parley, Registry, register, send, Supervisor, sys } from "../../src/index.ts";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { Sampler } from "../../src/observer/sampler.ts";
import { forPage } from "../../src/observer/redaction.ts";
import type { ProcessRow } from "../../src/observer/wire.ts";
import { Probe } from "../helpers/client.ts";
import { useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";
import { startServer } from "../helpers/ws-server.ts";

useLogCapture();
const { inbox, idle, killAfterTest } = useProcesses();

/** Holds "hold" calls until `release` runs; answers anything else at once. */
class Slow extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
  override async handleCall(req: unknown, _from: From, s: null) {
    if (req === "hold") await new Promise<void>((resolve) => ((release = resolve), entered()));
    return ["reply", req, s] as const;
  }
  override handleCast(_msg: unknown, s: null) {
    return ["noreply", s] as const;
  }
}
let release: () => void = () => {};
let entered: () => void = () => {};

const row = (rows: readonly ProcessRow[], pid: Pid): ProcessRow => rows.find((r) => r.pid === String(pid))!;

describe("Sampler", () => {
  it("lists supervisors with their children, and the registered and global names", async () => {
    const sup = await Supervisor.startLink([DynamicSupervisor.childSpec({ name: "sampled_dyn" }), { id: "slow", start: () => Slow.startLink(undefined, { name: "sampled_slow" }) }], {
      strategy: "rest_for_one",
      name: "sampled_sup",
    });
    killAfterTest(sup);
    const g = idle();
    Global.registerName(["global", "thing"], g);
    const u = new Sampler(500, undefined).sample(0);
    const top = u.supervisors.find((s) => s.pid === String(sup))!;
    expect(top).toMatchObject({ name: "sampled_sup", module: "Supervisor", strategy: "rest_for_one", maxRestarts: 3, maxSeconds: 5, restarts: 0 });
    expect(top.children.map((c) => [c.id, c.state, c.type])).toEqual([
      ["sampled_dyn", "running", "supervisor"],
      ["slow", "running", "worker"],
    ]);
    const dyn = u.supervisors.find((s) => s.name === "sampled_dyn")!;
    expect(dyn).toMatchObject({ module: "DynamicSupervisor", strategy: "one_for_one", children: [] });
    expect(row(u.processes, sup)).toMatchObject({ kind: "supervisor", module: "Supervisor", status: "waiting", trapExit: true });
    expect(u.names.registered).toContainEqual(["sampled_sup", String(sup)]);
    expect(u.names.global).toEqual([['["global", "thing"]', String(g)]]);
    expect(u.nodes).toBeNull();
  });

  it("shows how long a callback has been running, then how long it ran", async () => {
    const pid = await Slow.start(undefined);
    killAfterTest(pid);
    const sampler = new Sampler(500, undefined);
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = GenServer.call(pid, "hold");
    await inside;
    expect(row(sampler.sample(0).processes, pid)).toMatchObject({ status: "running", callback: "handleCall", callbackMs: 0 });
    expect(row(sampler.sample(1200).processes, pid)).toMatchObject({ status: "running", callbackMs: 1200 });
    release();
    await held;
    await GenServer.cast(pid, "barrier");
    await GenServer.call(pid, "served after the cast");
    await sys.getState(pid); // answered between two events: the server waits again
    // Two more messages ran between the samples: the duration of the last one was not seen.
    expect(row(sampler.sample(1450).processes, pid)).toMatchObject({ status: "waiting", callbackMs: null });
  });

  it("keeps the observed duration once the callback is done, until another runs", async () => {
    const pid = await Slow.start(undefined);
    killAfterTest(pid);
    const sampler = new Sampler(500, undefined);
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = GenServer.call(pid, "hold");
    await inside;
    sampler.sample(0);
    sampler.sample(500);
    release();
    await held;
    await sys.getState(pid);
    expect(row(sampler.sample(750).processes, pid)).toMatchObject({ callback: "handleCall", callbackMs: 500 });
  });

  it("shows a growing mailbox and the messages handled per second", async () => {
    const stuck = idle();
    const sampler = new Sampler(500, undefined);
    expect(row(sampler.sample(0).processes, stuck)).toMatchObject({ kind: "process", mailbox: 0, rate: null, callback: null });
    for (let i = 0; i < 7; i++) send(stuck, i);
    expect(row(sampler.sample(250).processes, stuck).mailbox).toBe(7);
    const pid = await Slow.start(undefined);
    killAfterTest(pid);
    sampler.sample(500);
    for (let i = 0; i < 40; i++) GenServer.cast(pid, i);
    await GenServer.call(pid, "after the casts");
    expect(row(sampler.sample(1500).processes, pid).rate).toBe(41);
  });

  it("lists clients with a redacted URL, frame rates and the last disconnect, and no header value", async () => {
    const srv = await startServer();
    try {
      const box = inbox(true);
      const url = `${srv.url}/feed?token=SECRET-QUERY`;
      const pid = await Probe.start({ to: box.pid, hooks: {} }, { url, heartbeat: false, headers: { authorization: "Bearer SECRET-HEADER" }, reconnect: false });
      killAfterTest(pid);
      await box.receive((m) => (Array.isArray(m) && m[0] === "connect" ? m : undefined), WAIT);
      const sampler = new Sampler(500, undefined);
      sampler.sample(0);
      for (let i = 0; i < 4; i++) await Parley.sendFrame(pid, ["text", `f${i}`]);
      for (let i = 0; i < 4; i++) await box.receive((m) => (Array.isArray(m) && m[0] === "frame" ? m : undefined), WAIT);
      await Parley.sendFrame(pid, ["text", "close:4000:bye"]);
      await box.receive((m) => (Array.isArray(m) && m[0] === "disconnect" ? m : undefined), WAIT);
      await Parley.status(pid);
      const u = sampler.sample(1000);
      const client = u.clients.find((c) => c.pid === String(pid))!;
      expect(client).toMatchObject({ module: "Probe", url: `${srv.url}/feed?token=redacted`, state: "disconnected", attempt: 0, queued: 0, inRate: 4, outRate: 5 });
      expect(client.lastDisconnect).toBe('["remote_close", 4000, "bye"]');
      expect(client.inHistory).toEqual([0, 4]);
      expect(row(u.processes, pid)).toMatchObject({ kind: "client", state: "disconnected" });
      expect(JSON.stringify(u)).not.toMatch(/SECRET/);
    } finally {
      await srv.close();
    }
  });

  it("shows the nodes a provider describes, and its failure as text", () => {
    const view = { self: "a@127.0.0.1", nodes: [{ name: "b@127.0.0.1", state: "up" }], globalNames: [["feed", "b@127.0.0.1"]] as const };
    expect(new Sampler(500, () => view).sample(0).nodes).toEqual({
      self: "a@127.0.0.1",
      nodes: [{ name: "b@127.0.0.1", state: "up", detail: "" }],
      globalNames: [["feed", "b@127.0.0.1"]],
      error: null,
    });
    const failing = new Sampler(500, () => {
      throw new Error("no cluster");
    });
    expect(failing.sample(0).nodes).toEqual({ self: null, nodes: [], globalNames: [], error: "the nodes provider failed: Error: no cluster" });
  });

  it("past the limit lists the supervisors, then the largest mailboxes", async () => {
    const sup = await DynamicSupervisor.startLink();
    killAfterTest(sup);
    idle();
    const full = idle();
    idle();
    for (let i = 0; i < 3; i++) send(full, i);
    const u = new Sampler(2, undefined).sample(0);
    expect(u.processes.map((p) => p.pid)).toEqual([String(sup), String(full)]);
    expect(u.processCount).toBe(4);
  });

  it("shows names: a local name as it is, a via name as via:term (Module:term for a named via class)", async () => {
    const pid = idle();
    register("plain_name", pid);
    const reg = await Registry.startLink({ keys: "unique", name: "sampled_registry" });
    killAfterTest(reg);
    const via = await Slow.start(undefined, { name: { via: [Registry, ["sampled_registry", "k"]] } });
    killAfterTest(via);
    const u = new Sampler(500, undefined).sample(0);
    expect(row(u.processes, pid).name).toBe("plain_name");
    expect(row(u.processes, via).name).toBe('via:["sampled_registry", "k"]');
  });
});

describe("forPage", () => {
  it("redacts secret-looking keys and never throws, even on a hostile getter", () => {
    expect(forPage({ user: "ann", password: "SECRET", nested: { apiKey: "SECRET" } })).toBe('{user: "ann", password: "[redacted]", nested: {apiKey: "[redacted]"}}');
    const hostile = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    expect(forPage(hostile)).toBe("<unprintable>");
  });
});
