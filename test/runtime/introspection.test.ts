import { describe, expect, it } from "vitest";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import { GenStatem } from "../../src/runtime/behaviours/gen-statem.ts";
import type { EventType, StatemResult } from "../../src/runtime/behaviours/statem-actions.ts";
import { sys } from "../../src/runtime/behaviours/sys.ts";
import { findProcess, liveProcesses, processCount, sampleProcess } from "../../src/runtime/introspection.ts";
import { register, send } from "../../src/runtime/names/names.ts";
import { link } from "../../src/runtime/process/links.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { lookup, type Proc } from "../../src/runtime/process/process.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { exit, self, spawn } from "../../src/runtime/process/spawn.ts";
import { useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";

useLogCapture();
const { inbox, idle, killAfterTest } = useProcesses();

/** Answers "get" at once; "hold" only once released through `release`, after resolving `entered`. */
class Held extends GenServer<number> {
  override init(n: number) {
    return ["ok", n] as const;
  }
  override async handleCall(req: unknown, _from: From, n: number) {
    if (req === "hold") {
      await new Promise<void>((resolve) => {
        release = resolve;
        entered();
      });
    }
    return ["reply", n, n + 1] as const;
  }
}
let release: () => void = () => {};
let entered: () => void = () => {};

class Light extends GenStatem<"off" | "on", null> {
  override init() {
    return ["ok", "off", null] as const;
  }
  override handleEvent(type: EventType, _msg: unknown, state: "off" | "on"): StatemResult<"off" | "on", null> {
    if (type === "cast") return ["next_state", state === "off" ? "on" : "off", null];
    return ["keep_state_and_data"];
  }
}

const proc = (pid: Pid): Proc => lookup(pid)!;

describe("sampleProcess", () => {
  it("reads a plain process: its mailbox, name, links and monitors, no behaviour", async () => {
    const box = inbox();
    const pid = idle();
    register("introspected", pid);
    send(pid, "a");
    send(pid, "b");
    await box.run(() => {
      link(pid);
      monitor(pid);
    });
    const s = sampleProcess(proc(pid));
    expect(s).toMatchObject({ pid, registeredName: "introspected", mailbox: 2, trapExit: false, behaviour: undefined });
    expect(s.links).toEqual([box.pid]);
    expect(s.monitoredBy).toEqual([box.pid]);
    expect(sampleProcess(proc(box.pid)).monitors).toEqual([pid]);
  });

  it("tells a process waiting in receive from one that is running", async () => {
    const box = inbox();
    const ready = (m: unknown) => (Array.isArray(m) && m[0] === "ready" ? (m[1] as Pid) : undefined);
    // Each says "ready" just before it waits (or not): the receive starts in the same turn.
    const waiting = spawn(async () => {
      send(box.pid, ["ready", self()]);
      await receive(() => undefined);
    });
    const running = spawn(() => {
      send(box.pid, ["ready", self()]);
      return new Promise<void>(() => {});
    });
    killAfterTest(waiting, running);
    await box.receive(ready, WAIT);
    await box.receive(ready, WAIT);
    expect(sampleProcess(proc(waiting)).waiting).toBe(true);
    expect(sampleProcess(proc(running)).waiting).toBe(false);
  });

  it("reads a GenServer: module, name, messages handled, the callback, busy while it runs", async () => {
    const pid = await Held.start(0, { name: "held" });
    killAfterTest(pid);
    await GenServer.call(pid, "get");
    await GenServer.call(pid, "get");
    // A sys request is served between two events: once answered, the server waits again.
    await sys.getState(pid);
    let b = sampleProcess(proc(pid)).behaviour!;
    expect(b).toMatchObject({ module: "Held", name: "held", isStateMachine: false, state: undefined, busy: false, handled: 2, callback: "handleCall" });
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = GenServer.call(pid, "hold");
    await inside;
    // The next call queues behind "hold".
    const queued = GenServer.call(pid, "get");
    b = sampleProcess(proc(pid)).behaviour!;
    expect(b).toMatchObject({ busy: true, handled: 3, callback: "handleCall" });
    expect(sampleProcess(proc(pid)).mailbox).toBe(1);
    release();
    await held;
    await queued;
    await sys.getState(pid);
    expect(sampleProcess(proc(pid)).behaviour).toMatchObject({ busy: false, handled: 4 });
  });

  it("reads a GenStatem's state, and suspended and traced as sys set them", async () => {
    const pid = await Light.start(undefined);
    killAfterTest(pid);
    expect(sampleProcess(proc(pid)).behaviour).toMatchObject({ module: "Light", isStateMachine: true, state: "off" });
    GenStatem.cast(pid, "flip");
    await sys.suspend(pid);
    await sys.trace(pid, true);
    expect(sampleProcess(proc(pid)).behaviour).toMatchObject({ state: "on", suspended: true, tracing: true });
    await sys.resume(pid);
    await sys.trace(pid, false);
    expect(sampleProcess(proc(pid)).behaviour).toMatchObject({ suspended: false, tracing: false });
  });
});

describe("findProcess, liveProcesses, processCount", () => {
  it("finds a live process by its printed Pid, and nothing for a dead or unknown one", async () => {
    const pid = idle();
    expect(findProcess(String(pid))).toBe(pid);
    expect(findProcess("#PID<0.999999999.0>")).toBeUndefined();
    expect(findProcess("<script>")).toBeUndefined();
    const box = inbox(true);
    const gone = spawn(() => undefined);
    await box.run(() => monitor(gone));
    await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined), WAIT);
    expect(findProcess(String(gone))).toBeUndefined();
  });

  it("lists exactly the live processes", () => {
    const pid = idle();
    const live = [...liveProcesses()].map((p) => p.pid);
    expect(live).toContain(pid);
    expect(processCount()).toBe(live.length);
    exit(pid, "kill");
    expect([...liveProcesses()].map((p) => p.pid)).not.toContain(pid);
  });
});
