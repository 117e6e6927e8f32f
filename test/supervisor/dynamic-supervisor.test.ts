import diagnostics_channel from "node:diagnostics_channel";
import { describe, expect, it } from "vitest";
import { NoProcError, OptionsError, StartError } from "../../src/runtime/errors.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { Inbox } from "../../src/runtime/process/inbox.ts";
import { send, whereis } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { isAlive } from "../../src/runtime/process/spawn.ts";
import { sys } from "../../src/runtime/behaviours/sys.ts";
import type { SupervisorRestartEvent } from "../../src/supervisor/reports.ts";
import { DynamicSupervisor, type DynamicSupervisorOptions } from "../../src/supervisor/dynamic-supervisor.ts";
import { MaxChildrenError, NotFoundError } from "../../src/supervisor/errors.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { down, noReports, rejection, reports, started, terminated, useSupervisorTest, watch, worker, Worker } from "./support.ts";

/** Where the test's workers report. */
let inbox: Inbox;
const { logs, stopAfterTest } = useSupervisorTest((box) => (inbox = box));

async function startSup(options?: DynamicSupervisorOptions): Promise<Pid> {
  return stopAfterTest(await DynamicSupervisor.startLink(options));
}

describe("DynamicSupervisor", () => {
  describe("startLink", () => {
    it("starts with no children", async () => {
      const sup = await startSup();
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([]);
      expect(await DynamicSupervisor.countChildren(sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    });

    it("registers the name", async () => {
      const sup = await startSup({ name: "dyn_by_name" });
      expect(whereis("dyn_by_name")).toBe(sup);
      const err = await rejection(DynamicSupervisor.startLink({ name: "dyn_by_name" }));
      expect((err as StartError).reason).toEqual(["already_started", sup]);
    });

    it("answers sys.getState and sys.getStatus", async () => {
      const sup = await startSup({ maxChildren: 5 });
      const pid = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      const state = { strategy: "one_for_one", maxRestarts: 3, maxSeconds: 5, maxChildren: 5, children: [{ id: undefined, pid, type: "worker", restart: "permanent", shutdown: 5000 }] };
      expect(await sys.getState(sup)).toEqual(state);
      expect(await sys.getStatus(sup)).toMatchObject({ pid: sup, module: DynamicSupervisor, data: state });
    });

    it.each<[string, unknown, RegExp]>([
      ["an unknown option", { intensity: 1 }, /^invalid DynamicSupervisor option key: expected .*, got "intensity"$/],
      ["a bad maxChildren", { maxChildren: 0 }, /^invalid DynamicSupervisor option maxChildren: expected a positive integer or Infinity, got 0$/],
      ["another strategy", { strategy: "one_for_all" }, /^invalid DynamicSupervisor option strategy: expected "one_for_one", got "one_for_all"$/],
      ["a bad name", { name: "" }, /^invalid name: /],
    ])("rejects %s with OptionsError", async (_what, options, message) => {
      const err = await rejection(DynamicSupervisor.startLink(options as DynamicSupervisorOptions));
      expect(err).toBeInstanceOf(OptionsError);
      expect(err.message).toMatch(message);
    });
  });

  describe("startChild", () => {
    it("starts children and lists them oldest first, without ids", async () => {
      const sup = await startSup();
      const a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      const b = await DynamicSupervisor.startChild(sup, [Worker, { id: "b", report: inbox.pid }]);
      expect(await started(inbox, "a")).toBe(a);
      expect(await started(inbox, "b")).toBe(b);
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([
        { id: undefined, pid: a, type: "worker" },
        { id: undefined, pid: b, type: "worker" },
      ]);
      expect(await DynamicSupervisor.countChildren(sup)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    });

    it("accepts children with the same id", async () => {
      const sup = await startSup();
      await DynamicSupervisor.startChild(sup, worker("a", inbox));
      await DynamicSupervisor.startChild(sup, worker("a", inbox));
      expect((await DynamicSupervisor.countChildren(sup)).active).toBe(2);
    });

    it("rejects MaxChildrenError when full, and accepts again after a child went", async () => {
      const sup = await startSup({ maxChildren: 2 });
      const a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      await DynamicSupervisor.startChild(sup, worker("b", inbox));
      const err = await rejection(DynamicSupervisor.startChild(sup, worker("c", inbox)));
      expect(err).toBeInstanceOf(MaxChildrenError);
      expect(err.message).toBe("the supervisor already holds its maximum of 2 children");
      await DynamicSupervisor.terminateChild(sup, a);
      await DynamicSupervisor.startChild(sup, worker("c", inbox));
      expect(isAlive(sup)).toBe(true);
    });

    it("rejects StartError with the child's reason", async () => {
      const sup = await startSup();
      const err = await rejection(DynamicSupervisor.startChild(sup, { id: "x", start: () => Promise.reject("no_way") }));
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toBe("no_way");
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([]);
    });

    it("rejects OptionsError for an invalid child", async () => {
      const sup = await startSup();
      const err = await rejection(DynamicSupervisor.startChild(sup, 42 as never));
      expect(err).toBeInstanceOf(OptionsError);
      expect(isAlive(sup)).toBe(true);
    });
  });

  describe("terminateChild", () => {
    it("stops the child, forgets it and resolves undefined", async () => {
      const sup = await startSup();
      const a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      expect(await DynamicSupervisor.terminateChild(sup, a)).toBeUndefined();
      expect(await terminated(inbox, "a")).toEqual(["shutdown"]);
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([]);
    });

    it("rejects NotFoundError for a pid it does not hold", async () => {
      const sup = await startSup();
      const err = await rejection(DynamicSupervisor.terminateChild(sup, inbox.pid));
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).id).toBe(inbox.pid);
      expect(err.message).toBe(`no child ${String(inbox.pid)}`);
    });

    it("rejects OptionsError for something that is not a Pid", async () => {
      const sup = await startSup();
      expect(await rejection(DynamicSupervisor.terminateChild(sup, "a" as never))).toBeInstanceOf(OptionsError);
    });
  });

  describe("restarts", () => {
    it("restarts a permanent child under a new pid", async () => {
      const sup = await startSup();
      const a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      const b = await DynamicSupervisor.startChild(sup, worker("b", inbox));
      GenServer.cast(a, "crash");
      await terminated(inbox, "a");
      await started(inbox, "a");
      const a2 = await started(inbox, "a");
      expect(a2).not.toBe(a);
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([
        { id: undefined, pid: b, type: "worker" },
        { id: undefined, pid: a2, type: "worker" },
      ]);
    });

    it("forgets a temporary child and a transient one that exited normally", async () => {
      const sup = await startSup();
      const t = await DynamicSupervisor.startChild(sup, worker("t", inbox, { restart: "temporary" }));
      const n = await DynamicSupervisor.startChild(sup, worker("n", inbox, { restart: "transient" }));
      GenServer.cast(t, ["exit", "boom"]);
      GenServer.cast(n, ["exit", "normal"]);
      await terminated(inbox, "t");
      await terminated(inbox, "n");
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([]);
    });

    it("exits with shutdown after more than maxRestarts restarts", async () => {
      const sup = await startSup({ maxRestarts: 1 });
      const ref = await watch(inbox, sup);
      await DynamicSupervisor.startChild(sup, worker("other", inbox));
      let a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
      await started(inbox, "a");
      GenServer.cast(a, ["exit", "boom"]);
      a = await started(inbox, "a");
      GenServer.cast(a, ["exit", "boom"]);
      expect(await terminated(inbox, "other")).toEqual(["shutdown"]);
      expect(await down(inbox, ref)).toBe("shutdown");
    });

    it("publishes each restart on parley:supervisor:restart", async () => {
      const events: SupervisorRestartEvent[] = [];
      const onRestart = (event: unknown): void => void events.push(event as SupervisorRestartEvent);
      diagnostics_channel.subscribe("parley:supervisor:restart", onRestart);
      try {
        const sup = await startSup();
        const a = await DynamicSupervisor.startChild(sup, worker("a", inbox));
        GenServer.cast(a, ["exit", "boom"]);
        await started(inbox, "a");
        await started(inbox, "a");
        expect(events).toEqual([{ supervisor: sup, id: "a", reason: "boom" }]);
        expect(logs.lines.find((l) => l["report"] === "child_terminated")).toMatchObject({ level: 50, id: '"a"', reason: '"boom"' });
      } finally {
        diagnostics_channel.unsubscribe("parley:supervisor:restart", onRestart);
      }
    });

    it("shows a child whose restart fails as restarting, then retries it", async () => {
      let fail = false;
      const spec = { id: "f", start: () => (fail ? Promise.reject("down") : Worker.startLink({ id: "f", report: inbox.pid })) };
      const sup = await startSup({ maxRestarts: 1_000_000 });
      const f = await DynamicSupervisor.startChild(sup, spec);
      fail = true;
      GenServer.cast(f, ["exit", "boom"]);
      await terminated(inbox, "f");
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([{ id: undefined, pid: "restarting", type: "worker" }]);
      expect(await DynamicSupervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
      fail = false;
      await started(inbox, "f");
      const f2 = await started(inbox, "f");
      expect(await DynamicSupervisor.whichChildren(sup)).toEqual([{ id: undefined, pid: f2, type: "worker" }]);
    });
  });

  describe("stop", () => {
    it("stops all children at once, then exits", async () => {
      const sup = await startSup();
      await DynamicSupervisor.startChild(sup, worker("slow", inbox, { onShutdown: "wait_go" }));
      await DynamicSupervisor.startChild(sup, worker("b", inbox));
      const slow = await started(inbox, "slow");
      await started(inbox, "b");
      const ref = await watch(inbox, sup);
      const stopping = DynamicSupervisor.stop(sup, "bye");
      // b is stopped while slow still waits: the children are not stopped one after another.
      expect(await terminated(inbox, "b")).toEqual(["shutdown"]);
      expect(isAlive(slow)).toBe(true);
      send(slow, "go");
      await stopping;
      expect(await terminated(inbox, "slow")).toEqual(["shutdown"]);
      expect(await down(inbox, ref)).toBe("bye");
      expect(noReports(inbox)).toBe(true);
    });

    it("rejects NoProcError once it is gone", async () => {
      const sup = await startSup();
      await DynamicSupervisor.stop(sup);
      expect(await rejection(DynamicSupervisor.countChildren(sup))).toBeInstanceOf(NoProcError);
    });
  });

  describe("childSpec", () => {
    it("runs a DynamicSupervisor under a Supervisor", async () => {
      const top = await Supervisor.startLink([DynamicSupervisor.childSpec({ name: "dyn_child" })], { strategy: "one_for_one" });
      try {
        expect(await Supervisor.whichChildren(top)).toEqual([{ id: "dyn_child", pid: whereis("dyn_child"), type: "supervisor" }]);
        await DynamicSupervisor.startChild("dyn_child", worker("a", inbox));
        await started(inbox, "a");
        await Supervisor.stop(top);
        expect(await reports(inbox, "terminated", 1)).toEqual(["a"]);
      } finally {
        if (isAlive(top)) await Supervisor.stop(top);
      }
    });

    it("defaults the id to DynamicSupervisor and throws OptionsError for bad options", () => {
      expect(DynamicSupervisor.childSpec()).toMatchObject({ id: DynamicSupervisor, type: "supervisor", shutdown: "infinity" });
      expect(() => DynamicSupervisor.childSpec({ maxChildren: -1 })).toThrow(OptionsError);
    });
  });
});
