import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChildSpec } from "../../src/runtime/behaviours/child-spec-types.ts";
import { BadReturnError, NoProcError, OptionsError, StartError } from "../../src/runtime/errors.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import { send, whereis } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { exit, isAlive, spawn } from "../../src/runtime/process/spawn.ts";
import { sys } from "../../src/runtime/behaviours/sys.ts";
import type { SupervisorRestartEvent } from "../../src/supervisor/reports.ts";
import { ChildRunningError, NotFoundError } from "../../src/supervisor/errors.ts";
import { Supervisor, type SupervisorOptions } from "../../src/supervisor/supervisor.ts";
import { down, noReports, rejection, reports, settle, started, terminated, useSupervisorTest, watch, worker, Worker } from "./support.ts";

/** Where the test's workers report. */
let inbox: Inbox;
const { logs, stopAfterTest } = useSupervisorTest((box) => (inbox = box));

async function startSup(children: readonly Parameters<typeof Supervisor.startLink>[0][number][], options: SupervisorOptions): Promise<Pid> {
  return stopAfterTest(await Supervisor.startLink(children, options));
}

/** Starts a supervisor over workers a, b, c and returns it with their pids. */
async function abc(options: SupervisorOptions, extra: Partial<Record<"a" | "b" | "c", Parameters<typeof worker>[2]>> = {}) {
  const sup = await startSup([worker("a", inbox, extra.a), worker("b", inbox, extra.b), worker("c", inbox, extra.c)], options);
  const pids = { a: await started(inbox, "a"), b: await started(inbox, "b"), c: await started(inbox, "c") };
  return { sup, pids };
}

class Plain extends GenServer<unknown> {}

class Refuses extends GenServer<unknown> {
  override init(reason: unknown) {
    return ["stop", reason] as const;
  }
}

describe("Supervisor", () => {
  describe("startLink", () => {
    it("starts the children in order and resolves the supervisor's pid", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" });
      expect(isAlive(sup)).toBe(true);
      expect(await Supervisor.whichChildren(sup)).toEqual([
        { id: "c", pid: pids.c, type: "worker" },
        { id: "b", pid: pids.b, type: "worker" },
        { id: "a", pid: pids.a, type: "worker" },
      ]);
    });

    it("accepts [Module, arg] and a bare Module, whose id is the module itself", async () => {
      const sup = await startSup([[Worker, { id: "m", report: inbox.pid }], Plain], { strategy: "one_for_one" });
      const m = await started(inbox, "m");
      const children = await Supervisor.whichChildren(sup);
      expect(children).toEqual([
        { id: Plain, pid: expect.anything(), type: "worker" },
        { id: Worker, pid: m, type: "worker" },
      ]);
      expect(await GenServer.call(m, "who")).toEqual(["m", "who"]);
    });

    it("links the children to the supervisor", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" }, { a: { trap: false } });
      exit(sup, "kill");
      const ref = await watch(inbox, pids.a);
      expect(await down(inbox, ref)).toBe("noproc");
      // b and c trap exits: their parent's exit signal runs their terminate.
      expect(await terminated(inbox, "b")).toEqual(["killed"]);
      expect(await terminated(inbox, "c")).toEqual(["killed"]);
    });

    it("registers the name and answers through it", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one", name: "sup_by_name" });
      expect(whereis("sup_by_name")).toBe(sup);
      expect(await Supervisor.countChildren("sup_by_name")).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
      const err = await rejection(Supervisor.startLink([], { strategy: "one_for_one", name: "sup_by_name" }));
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["already_started", sup]);
    });

    it("answers sys.getState and sys.getStatus", async () => {
      const { sup, pids } = await abc({ strategy: "rest_for_one", maxRestarts: 7 });
      const state = await sys.getState(sup);
      expect(state).toEqual({
        strategy: "rest_for_one",
        maxRestarts: 7,
        maxSeconds: 5,
        children: [
          { id: "a", pid: pids.a, type: "worker", restart: "permanent", shutdown: 5000 },
          { id: "b", pid: pids.b, type: "worker", restart: "permanent", shutdown: 5000 },
          { id: "c", pid: pids.c, type: "worker", restart: "permanent", shutdown: 5000 },
        ],
      });
      const status = await sys.getStatus(sup);
      expect(status).toMatchObject({ pid: sup, name: undefined, status: "running", module: Supervisor, state: undefined, data: state });
      const err = await rejection(sys.replaceState(sup, (s) => s));
      expect(err).toBeInstanceOf(OptionsError);
      expect(isAlive(sup)).toBe(true);
    });

    describe("rejects bad arguments with OptionsError before starting anything", () => {
      const start = (): Promise<Pid> => Promise.reject(new Error("must not run"));
      it.each<[string, unknown, unknown, RegExp]>([
        ["a missing strategy", [], {}, /^invalid Supervisor option strategy: expected "one_for_one", "one_for_all" or "rest_for_one", got undefined$/],
        ["an unknown option", [], { strategy: "one_for_one", intensity: 3 }, /^invalid Supervisor option key: expected .*, got "intensity"$/],
        ["a bad maxRestarts", [], { strategy: "one_for_one", maxRestarts: -1 }, /^invalid Supervisor option maxRestarts: expected a non-negative integer, got -1$/],
        ["children that are not an array", "nope", { strategy: "one_for_one" }, /^invalid children: expected an array of children, got "nope"$/],
        ["a missing id", [{ start }], { strategy: "one_for_one" }, /^invalid children\[0\]\.id: expected any value except undefined, got undefined$/],
        ["a missing start", [{ id: "w" }], { strategy: "one_for_one" }, /^invalid child spec "w"\.start: expected a function returning a Promise of the child's Pid, got undefined$/],
        ["a bad restart", [{ id: "w", start, restart: "always" }], { strategy: "one_for_one" }, /^invalid child spec "w"\.restart: expected .*, got "always"$/],
        ["a bad shutdown", [{ id: "w", start, shutdown: -5 }], { strategy: "one_for_one" }, /^invalid child spec "w"\.shutdown: expected .*, got -5$/],
        ["a bad type", [{ id: "w", start, type: "manager" }], { strategy: "one_for_one" }, /^invalid child spec "w"\.type: expected "worker" or "supervisor", got "manager"$/],
        ["duplicate ids", [{ id: ["x", 1], start }, { id: ["x", 1], start }], { strategy: "one_for_one" }, /^invalid children\[1\]\.id: expected an id no other child has \(children\[0\] has it\), got \["x", 1\]$/],
        ["a bad name", [], { strategy: "one_for_one", name: 42 }, /^invalid name: expected a non-empty string, \{ global: term \} or \{ via: \[module, term\] \}, got 42$/],
      ])("%s", async (_what, children, options, message) => {
        const err = await rejection(Supervisor.startLink(children as ChildSpec[], options as SupervisorOptions));
        expect(err).toBeInstanceOf(OptionsError);
        expect(err.message).toMatch(message);
      });
    });

    describe("fails the boot when a child does not start", () => {
      it("stops the children already started, in reverse order, and rejects StartError with failed_to_start_child", async () => {
        const bad = { id: "bad", start: () => Refuses.startLink("no_db") };
        const err = await rejection(Supervisor.startLink([worker("a", inbox), worker("b", inbox), bad, worker("c", inbox)], { strategy: "one_for_one" }));
        expect(err).toBeInstanceOf(StartError);
        expect((err as StartError).reason).toEqual(["shutdown", ["failed_to_start_child", "bad", "no_db"]]);
        expect(await reports(inbox, "started", 2)).toEqual(["a", "b"]);
        expect(await reports(inbox, "terminated", 2)).toEqual(["b", "a"]);
        expect(noReports(inbox)).toBe(true);
        const report = logs.lines.find((l) => l["report"] === "start_error");
        expect(report).toMatchObject({ level: 50, id: '"bad"', reason: '"no_db"' });
      });

      it("uses the value a start function rejected with as the reason", async () => {
        const err = await rejection(Supervisor.startLink([{ id: "x", start: () => Promise.reject(["enoent", "/etc/x"]) }], { strategy: "one_for_one" }));
        expect((err as StartError).reason).toEqual(["shutdown", ["failed_to_start_child", "x", ["enoent", "/etc/x"]]]);
      });

      it("uses what a start function threw synchronously", async () => {
        const boom = new Error("sync boom");
        const spec = { id: "x", start: (): Promise<Pid> => { throw boom; } };
        const err = await rejection(Supervisor.startLink([spec], { strategy: "one_for_one" }));
        expect((err as StartError).reason).toEqual(["shutdown", ["failed_to_start_child", "x", boom]]);
      });

      it("rejects a start that resolves something other than a Pid, naming the child and the value", async () => {
        const spec = { id: "x", start: () => Promise.resolve(42 as unknown as Pid) };
        const err = await rejection(Supervisor.startLink([spec], { strategy: "one_for_one" }));
        const reason = (err as StartError).reason as [string, [string, string, BadReturnError]];
        expect(reason[1][2]).toBeInstanceOf(BadReturnError);
        expect(reason[1][2].message).toBe('bad return value from start of child "x" (expected a live Pid): 42');
        expect(err.message).toContain('"x"');
        expect(err.message).toContain("42");
      });

      it("rejects a start that resolves the Pid of a process that is not alive (and not its child)", async () => {
        const gone = spawn(() => {});
        await settle();
        const err = await rejection(Supervisor.startLink([{ id: "x", start: () => Promise.resolve(gone) }], { strategy: "one_for_one" }));
        const reason = (err as StartError).reason as [string, [string, string, BadReturnError]];
        expect(reason[1][2].value).toBe(gone);
      });
    });
  });

  describe("childSpec", () => {
    it("makes [Supervisor, [children, options]] a supervisor child with shutdown infinity", () => {
      const spec = Supervisor.childSpec([[], { strategy: "one_for_one" }]);
      expect(spec).toMatchObject({ id: Supervisor, type: "supervisor", shutdown: "infinity" });
      expect(Supervisor.childSpec([[], { strategy: "one_for_one", name: "inner" }]).id).toBe("inner");
    });

    it("throws OptionsError for anything but [children, options]", () => {
      expect(() => Supervisor.childSpec([] as never)).toThrow(OptionsError);
      expect(() => Supervisor.childSpec([[], { strategy: "one_for_none" }] as never)).toThrow(/strategy/);
    });
  });

  describe("strategies", () => {
    it("one_for_one restarts only the child that exited", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" });
      GenServer.cast(pids.b, "crash");
      expect(await terminated(inbox, "b")).toEqual([expect.any(Error)]);
      const b2 = await started(inbox, "b");
      expect(b2).not.toBe(pids.b);
      expect(noReports(inbox)).toBe(true);
      expect(await Supervisor.whichChildren(sup)).toEqual([
        { id: "c", pid: pids.c, type: "worker" },
        { id: "b", pid: b2, type: "worker" },
        { id: "a", pid: pids.a, type: "worker" },
      ]);
    });

    it("one_for_all stops the others in reverse order and restarts all in order", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_all" });
      GenServer.cast(pids.b, ["exit", "boom"]);
      expect(await terminated(inbox, "b")).toEqual(["boom"]);
      expect(await reports(inbox, "terminated", 2)).toEqual(["c", "a"]);
      expect(await reports(inbox, "started", 3)).toEqual(["a", "b", "c"]);
      const children = await Supervisor.whichChildren(sup);
      for (const { pid } of children) expect(Object.values(pids)).not.toContain(pid);
    });

    it("rest_for_one restarts the child and those started after it", async () => {
      const { sup, pids } = await abc({ strategy: "rest_for_one" });
      GenServer.cast(pids.b, ["exit", "boom"]);
      expect(await terminated(inbox, "b")).toEqual(["boom"]);
      expect(await terminated(inbox, "c")).toEqual(["shutdown"]);
      expect(await reports(inbox, "started", 2)).toEqual(["b", "c"]);
      const children = await Supervisor.whichChildren(sup);
      expect(children[2]).toEqual({ id: "a", pid: pids.a, type: "worker" });
      expect(noReports(inbox)).toBe(true);
    });

    it("one_for_all removes temporary siblings instead of restarting them", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_all" }, { c: { restart: "temporary" } });
      GenServer.cast(pids.a, ["exit", "boom"]);
      expect(await reports(inbox, "terminated", 3)).toEqual(["a", "c", "b"]);
      expect(await reports(inbox, "started", 2)).toEqual(["a", "b"]);
      expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(["b", "a"]);
    });

    it("rest_for_one restarts a transient sibling that was stopped with it", async () => {
      const { pids } = await abc({ strategy: "rest_for_one" }, { c: { restart: "transient" } });
      GenServer.cast(pids.b, ["exit", "boom"]);
      expect(await reports(inbox, "terminated", 2)).toEqual(["b", "c"]);
      expect(await reports(inbox, "started", 2)).toEqual(["b", "c"]);
    });
  });

  describe("restart types", () => {
    it.each([
      ["permanent", "normal", true],
      ["permanent", "shutdown", true],
      ["permanent", "boom", true],
      ["transient", "normal", false],
      ["transient", "shutdown", false],
      ["transient", ["shutdown", "bye"], false],
      ["transient", "boom", true],
      ["temporary", "normal", false],
      ["temporary", "boom", false],
    ] as const)("a %s child exiting %j is restarted: %s", async (restart, reason, restarted) => {
      const sup = await startSup([worker("w", inbox, { restart })], { strategy: "one_for_one" });
      const pid = await started(inbox, "w");
      GenServer.cast(pid, ["exit", reason]);
      await terminated(inbox, "w");
      const children = await Supervisor.whichChildren(sup);
      if (restarted) {
        const again = await started(inbox, "w");
        expect(children).toEqual([{ id: "w", pid: again, type: "worker" }]);
      } else if (restart === "temporary") {
        expect(children).toEqual([]);
        expect(await Supervisor.countChildren(sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
      } else {
        expect(children).toEqual([{ id: "w", pid: undefined, type: "worker" }]);
        expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
      }
      expect(noReports(inbox)).toBe(true);
    });
  });

  describe("restart intensity", () => {
    it("exits with shutdown after more than maxRestarts restarts, stopping the children in reverse order", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one", maxRestarts: 2, maxSeconds: 60 });
      const ref = await watch(inbox, sup);
      let a = pids.a;
      for (let i = 0; i < 2; i++) {
        GenServer.cast(a, ["exit", "boom"]);
        await terminated(inbox, "a");
        a = await started(inbox, "a");
      }
      GenServer.cast(a, ["exit", "boom"]);
      await terminated(inbox, "a");
      expect(await reports(inbox, "terminated", 2)).toEqual(["c", "b"]);
      expect(await down(inbox, ref)).toBe("shutdown");
      expect(noReports(inbox)).toBe(true);
      const report = logs.lines.find((l) => l["report"] === "reached_max_restart_intensity");
      expect(report).toMatchObject({ level: 50, id: '"a"', reason: '"boom"' });
    });

    it("with maxRestarts 0, the first exit that needs a restart stops the supervisor", async () => {
      const sup = await startSup([worker("a", inbox, { restart: "transient" })], { strategy: "one_for_one", maxRestarts: 0 });
      const ref = await watch(inbox, sup);
      const a = await started(inbox, "a");
      GenServer.cast(a, ["exit", "normal"]); // not a restart
      await terminated(inbox, "a");
      expect(isAlive(sup)).toBe(true);
      await Supervisor.restartChild(sup, "a");
      GenServer.cast(await started(inbox, "a"), ["exit", "boom"]);
      expect(await down(inbox, ref)).toBe("shutdown");
    });
  });

  describe("nested supervisors", () => {
    it("restarts a permanent child supervisor that gave up (exited shutdown)", async () => {
      const innerOptions: SupervisorOptions = { strategy: "one_for_one", maxRestarts: 0 };
      const outer = await startSup([worker("a", inbox), [Supervisor, [[worker("x", inbox)], innerOptions]]], { strategy: "one_for_one" });
      await started(inbox, "a");
      const x = await started(inbox, "x");
      const [first] = await Supervisor.whichChildren(outer);
      expect(first).toEqual({ id: Supervisor, pid: expect.anything(), type: "supervisor" });
      const inner = first!.pid as Pid;
      const ref = await watch(inbox, inner);
      GenServer.cast(x, ["exit", "boom"]);
      expect(await down(inbox, ref)).toBe("shutdown");
      const x2 = await started(inbox, "x");
      expect(x2).not.toBe(x);
      const [innerInfo] = await Supervisor.whichChildren(outer);
      expect(innerInfo!.pid).not.toBe(inner);
      expect(await Supervisor.countChildren(outer)).toEqual({ specs: 2, active: 2, supervisors: 1, workers: 1 });
    });

    it("stops a nested tree depth first, each level in reverse order", async () => {
      const inner = Supervisor.childSpec([[worker("x", inbox), worker("y", inbox)], { strategy: "one_for_one", name: "inner_tree" }]);
      const outer = await startSup([worker("a", inbox), inner, worker("b", inbox)], { strategy: "one_for_one" });
      expect(await reports(inbox, "started", 4)).toEqual(["a", "x", "y", "b"]);
      await Supervisor.stop(outer);
      expect(await reports(inbox, "terminated", 4)).toEqual(["b", "y", "x", "a"]);
      expect(whereis("inner_tree")).toBeUndefined();
    });
  });

  describe("startChild", () => {
    it("adds and starts a child, resolving its pid", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      const pid = await Supervisor.startChild(sup, worker("b", inbox));
      expect(await started(inbox, "a")).not.toBe(pid);
      expect(await started(inbox, "b")).toBe(pid);
      expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(["b", "a"]);
    });

    it("rejects already_started for a running id and already_present for a terminated one", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      const a = await started(inbox, "a");
      const running = await rejection(Supervisor.startChild(sup, worker("a", inbox)));
      expect(running).toBeInstanceOf(StartError);
      expect((running as StartError).reason).toEqual(["already_started", a]);
      await Supervisor.terminateChild(sup, "a");
      const present = await rejection(Supervisor.startChild(sup, worker("a", inbox)));
      expect((present as StartError).reason).toEqual(["already_present", "a"]);
    });

    it("rejects StartError with the child's reason and keeps no spec when the start fails", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      const err = await rejection(Supervisor.startChild(sup, { id: "r", start: () => Refuses.startLink("nope") }));
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toBe("nope");
      expect((err as StartError).cause).toBeInstanceOf(StartError);
      expect(await Supervisor.whichChildren(sup)).toEqual([]);
    });

    it("rejects OptionsError for an invalid child and keeps running", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      const err = await rejection(Supervisor.startChild(sup, { id: "w", start: "no" } as never));
      expect(err).toBeInstanceOf(OptionsError);
      expect(err.message).toBe(`invalid child spec "w".start: expected a function returning a Promise of the child's Pid, got "no"`);
      expect(isAlive(sup)).toBe(true);
    });

    it("links a child that its start function did not link", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      const spec = { id: "u", start: () => Worker.start({ id: "u", report: inbox.pid, trap: false }) };
      const pid = await Supervisor.startChild(sup, spec);
      await started(inbox, "u");
      exit(pid, "boom");
      expect(await started(inbox, "u")).not.toBe(pid);
    });
  });

  describe("terminateChild", () => {
    it("stops the child, keeps its spec and resolves undefined", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" });
      expect(await Supervisor.terminateChild(sup, "b")).toBeUndefined();
      expect(await terminated(inbox, "b")).toEqual(["shutdown"]);
      expect(isAlive(pids.b)).toBe(false);
      expect(await Supervisor.whichChildren(sup)).toContainEqual({ id: "b", pid: undefined, type: "worker" });
      expect(await Supervisor.countChildren(sup)).toEqual({ specs: 3, active: 2, supervisors: 0, workers: 3 });
      expect(await Supervisor.terminateChild(sup, "b")).toBeUndefined();
    });

    it("deletes a temporary child's spec", async () => {
      const sup = await startSup([worker("t", inbox, { restart: "temporary" })], { strategy: "one_for_one" });
      await started(inbox, "t");
      await Supervisor.terminateChild(sup, "t");
      expect(await Supervisor.whichChildren(sup)).toEqual([]);
      expect(await rejection(Supervisor.restartChild(sup, "t"))).toBeInstanceOf(NotFoundError);
    });

    it("finds children by structurally equal ids", async () => {
      const sup = await startSup([{ ...worker("f", inbox), id: ["feed", { pair: "btc" }] }], { strategy: "one_for_one" });
      await started(inbox, "f");
      await Supervisor.terminateChild(sup, ["feed", { pair: "btc" }]);
      expect(await terminated(inbox, "f")).toEqual(["shutdown"]);
    });

    it("rejects NotFoundError for an unknown id", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      const err = await rejection(Supervisor.terminateChild(sup, "ghost"));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.message).toBe('no child "ghost"');
      expect((err as NotFoundError).id).toBe("ghost");
    });
  });

  describe("restartChild", () => {
    it("starts a terminated child again and resolves its new pid", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" });
      await Supervisor.terminateChild(sup, "a");
      const pid = await Supervisor.restartChild(sup, "a");
      expect(await started(inbox, "a")).toBe(pid);
      expect(pid).not.toBe(pids.a);
      expect((await Supervisor.whichChildren(sup))[2]).toEqual({ id: "a", pid, type: "worker" });
    });

    it("rejects ChildRunningError for a running child", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      const err = await rejection(Supervisor.restartChild(sup, "a"));
      expect(err).toBeInstanceOf(ChildRunningError);
      expect(err.message).toBe('child "a" is running; terminate it first');
    });

    it("rejects NotFoundError for an unknown id", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      expect(await rejection(Supervisor.restartChild(sup, "ghost"))).toBeInstanceOf(NotFoundError);
    });

    it("rejects StartError and leaves the child terminated when its start fails", async () => {
      let fail = false;
      const spec: ChildSpec = { id: "f", start: () => (fail ? Promise.reject("down") : Worker.startLink({ id: "f", report: inbox.pid })) };
      const sup = await startSup([spec], { strategy: "one_for_one" });
      await Supervisor.terminateChild(sup, "f");
      fail = true;
      const err = await rejection(Supervisor.restartChild(sup, "f"));
      expect((err as StartError).reason).toBe("down");
      expect(await Supervisor.whichChildren(sup)).toEqual([{ id: "f", pid: undefined, type: "worker" }]);
    });
  });

  describe("deleteChild", () => {
    it("deletes a terminated child's spec and resolves undefined", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      await Supervisor.terminateChild(sup, "a");
      expect(await Supervisor.deleteChild(sup, "a")).toBeUndefined();
      expect(await Supervisor.whichChildren(sup)).toEqual([]);
      expect(await rejection(Supervisor.deleteChild(sup, "a"))).toBeInstanceOf(NotFoundError);
    });

    it("rejects ChildRunningError for a running child", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      const err = await rejection(Supervisor.deleteChild(sup, "a"));
      expect(err).toBeInstanceOf(ChildRunningError);
      expect((err as ChildRunningError).status).toBe("running");
    });
  });

  describe("a child whose restart fails", () => {
    it("shows as restarting, refuses restartChild/deleteChild, and is retried until it starts", async () => {
      let fail = false;
      const spec: ChildSpec = { id: "f", start: () => (fail ? Promise.reject("still_down") : Worker.startLink({ id: "f", report: inbox.pid })) };
      const sup = await startSup([spec], { strategy: "one_for_one", maxRestarts: 1_000_000 });
      const f = await started(inbox, "f");
      fail = true;
      GenServer.cast(f, ["exit", "boom"]);
      await terminated(inbox, "f");
      expect(await Supervisor.whichChildren(sup)).toEqual([{ id: "f", pid: "restarting", type: "worker" }]);
      expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
      expect((await rejection(Supervisor.restartChild(sup, "f")) as ChildRunningError).status).toBe("restarting");
      expect((await rejection(Supervisor.deleteChild(sup, "f")) as ChildRunningError).status).toBe("restarting");
      fail = false;
      const f2 = await started(inbox, "f");
      expect(await Supervisor.whichChildren(sup)).toEqual([{ id: "f", pid: f2, type: "worker" }]);
      expect(logs.lines.some((l) => l["report"] === "start_error" && l["reason"] === '"still_down"')).toBe(true);
    });

    it("counts every retry towards the restart intensity", async () => {
      let calls = 0;
      const spec: ChildSpec = { id: "f", start: () => (calls++ === 0 ? Worker.startLink({ id: "f", report: inbox.pid }) : Promise.reject("down")) };
      const sup = await startSup([spec], { strategy: "one_for_one", maxRestarts: 3 });
      const ref = await watch(inbox, sup);
      GenServer.cast(await started(inbox, "f"), ["exit", "boom"]);
      expect(await down(inbox, ref)).toBe("shutdown");
      expect(calls).toBe(4);
    });

    it("terminateChild on a restarting child stops the retries", async () => {
      let fail = false;
      const spec: ChildSpec = { id: "f", start: () => (fail ? Promise.reject("down") : Worker.startLink({ id: "f", report: inbox.pid })) };
      const sup = await startSup([spec], { strategy: "one_for_one", maxRestarts: 1_000_000 });
      fail = true;
      GenServer.cast(await started(inbox, "f"), ["exit", "boom"]);
      await terminated(inbox, "f");
      await Supervisor.terminateChild(sup, "f");
      fail = false;
      expect(await Supervisor.whichChildren(sup)).toEqual([{ id: "f", pid: undefined, type: "worker" }]);
      await settle();
      expect(await Supervisor.whichChildren(sup)).toEqual([{ id: "f", pid: undefined, type: "worker" }]);
    });
  });

  describe("stop", () => {
    it("stops the children in reverse order, then exits with the reason", async () => {
      const { sup } = await abc({ strategy: "one_for_one" });
      const ref = await watch(inbox, sup);
      await Supervisor.stop(sup, "bye");
      expect(await reports(inbox, "terminated", 3)).toEqual(["c", "b", "a"]);
      expect(await down(inbox, ref)).toBe("bye");
    });

    it("rejects NoProcError for a supervisor that is not there", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      await Supervisor.stop(sup);
      expect(await rejection(Supervisor.stop(sup))).toBeInstanceOf(NoProcError);
      expect(await rejection(Supervisor.whichChildren(sup))).toBeInstanceOf(NoProcError);
      expect(await rejection(Supervisor.startChild("no_such_sup", worker("a", inbox)))).toBeInstanceOf(NoProcError);
    });

    it("stops its children when its parent exits", async () => {
      const parent = new Inbox();
      const sup = await parent.run(() => Supervisor.startLink([worker("a", inbox)], { strategy: "one_for_one" }));
      await started(inbox, "a");
      const ref = await watch(inbox, sup);
      parent.close("shutdown");
      expect(await terminated(inbox, "a")).toEqual(["shutdown"]);
      expect(await down(inbox, ref)).toBe("shutdown");
    });

    it("kills a child that does not stop within its shutdown time and reports it", async () => {
      const sup = await startSup([worker("h", inbox, { onShutdown: "hang", shutdown: 30 })], { strategy: "one_for_one" });
      const h = await started(inbox, "h");
      const ref = await watch(inbox, h);
      const t0 = performance.now();
      await Supervisor.terminateChild(sup, "h");
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
      expect(await down(inbox, ref)).toBe("killed");
      expect(logs.lines.find((l) => l["report"] === "shutdown_error")).toMatchObject({ id: '"h"', reason: '"killed"' });
    });
  });

  describe("robustness", () => {
    it("answers a malformed request with OptionsError and keeps running", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      // A raw call sees the supervisor's answer tuple; the Supervisor functions unwrap it.
      expect(await GenServer.call(sup, "garbage")).toEqual(["error", expect.any(OptionsError)]);
      expect(await GenServer.call(sup, ["which_children"])).toEqual(["ok", []]);
      expect(isAlive(sup)).toBe(true);
    });

    it("logs an unexpected message and keeps running", async () => {
      const sup = await startSup([], { strategy: "one_for_one" });
      send(sup, ["hello"]);
      GenServer.cast(sup, "a cast");
      expect(await Supervisor.countChildren(sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
      expect(logs.lines.filter((l) => l.msg === "supervisor received unexpected message").length).toBe(2);
    });

    it("ignores an exit signal from a process that is not its child", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      exit(sup, "whatever");
      expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    });
  });

  describe("reports and telemetry", () => {
    const events: SupervisorRestartEvent[] = [];
    const onRestart = (event: unknown): void => void events.push(event as SupervisorRestartEvent);
    beforeEach(() => diagnostics_channel.subscribe("parley:supervisor:restart", onRestart));
    afterEach(() => {
      diagnostics_channel.unsubscribe("parley:supervisor:restart", onRestart);
      events.length = 0;
    });

    it("publishes { supervisor, id, reason } on parley:supervisor:restart and logs child_terminated", async () => {
      const { sup, pids } = await abc({ strategy: "one_for_one" });
      GenServer.cast(pids.b, ["exit", ["bad", 1]]);
      await started(inbox, "b");
      expect(events).toEqual([{ supervisor: sup, id: "b", reason: ["bad", 1] }]);
      const report = logs.lines.find((l) => l["report"] === "child_terminated");
      expect(report).toMatchObject({ level: 50, supervisor: String(sup), id: '"b"', childPid: String(pids.b), reason: '["bad", 1]', restart: "permanent" });
    });

    it("logs a permanent child's normal exit at warn level", async () => {
      const sup = await startSup([worker("a", inbox)], { strategy: "one_for_one" });
      GenServer.cast(await started(inbox, "a"), ["exit", "normal"]);
      await started(inbox, "a");
      expect(logs.lines.find((l) => l["report"] === "child_terminated")).toMatchObject({ level: 40, reason: '"normal"' });
      expect(events).toEqual([{ supervisor: sup, id: "a", reason: "normal" }]);
    });

    it("publishes nothing for an exit that is not restarted", async () => {
      await startSup([worker("a", inbox, { restart: "transient" })], { strategy: "one_for_one" });
      GenServer.cast(await started(inbox, "a"), ["exit", "normal"]);
      await terminated(inbox, "a");
      await settle();
      expect(events).toEqual([]);
      expect(logs.lines.some((l) => l["report"] === "child_terminated")).toBe(false);
    });
  });
});
