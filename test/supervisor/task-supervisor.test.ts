import { describe, expect, it } from "vitest";
import { ExitError, OptionsError } from "../../src/runtime/errors.ts";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import { Task } from "../../src/runtime/behaviours/task.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import { send } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { isAlive, spawnMonitor } from "../../src/runtime/process/spawn.ts";
import { MaxChildrenError } from "../../src/supervisor/errors.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { TaskSupervisor } from "../../src/supervisor/task-supervisor.ts";
import { downMessage, held, taskPid, useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";

useLogCapture();
const { inbox, killAfterTest } = useProcesses();

async function startSup(options = {}): Promise<Pid> {
  const sup = await TaskSupervisor.startLink(options);
  killAfterTest(sup);
  return sup;
}


describe("TaskSupervisor", () => {
  describe("TaskSupervisor.async", () => {
    it("runs fn as the supervisor's child; the caller awaits it like Task.async", async () => {
      const sup = await startSup();
      const box = inbox();
      const value = await box.run(async () => {
        const task = await TaskSupervisor.async(sup, held(box.pid, "v"));
        expect(task.owner).toBe(box.pid);
        expect(await TaskSupervisor.children(sup)).toEqual([task.pid]);
        send(task.pid, "go");
        return Task.await(task);
      });
      expect(value).toBe("v");
      expect(box.peek()).toEqual([["task", expect.anything()]]);
    });

    it("links the task to the caller: its crash takes the caller down", async () => {
      const sup = await startSup();
      const box = inbox();
      const [caller, ref] = await box.run(() =>
        spawnMonitor(async () => {
          await Task.await(
            await TaskSupervisor.async(sup, () => {
              throw new Error("supervised crash");
            }),
          );
        }),
      );
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", caller, new Error("supervised crash")]);
      expect(isAlive(sup)).toBe(true);
    });

    it("works outside any process", async () => {
      const sup = await startSup();
      expect(await Task.await(await TaskSupervisor.async(sup, async () => 3))).toBe(3);
    });

    it("rejects OptionsError for a bad fn or option, MaxChildrenError when full", async () => {
      const sup = await startSup({ maxChildren: 1 });
      const box = inbox();
      await expect(TaskSupervisor.async(sup, 1 as never)).rejects.toThrow(/^invalid fn: expected a function, got 1$/);
      await expect(TaskSupervisor.async(sup, () => 1, { restart: "permanent" } as never)).rejects.toThrow(OptionsError);
      await TaskSupervisor.async(sup, held(box.pid, 1));
      await expect(TaskSupervisor.async(sup, () => 1)).rejects.toThrow(MaxChildrenError);
    });
  });

  describe("TaskSupervisor.asyncNolink", () => {
    it("a crash reaches the caller as its DOWN, and the caller survives", async () => {
      const sup = await startSup();
      const box = inbox();
      const task = await box.run(() =>
        TaskSupervisor.asyncNolink(sup, () => {
          throw "nolink crash";
        }),
      );
      expect(await downMessage(box, task.ref)).toEqual(["DOWN", task.ref, "process", task.pid, "nolink crash"]);
      expect(box.alive).toBe(true);
    });

    it("Task.await rejects ExitError for a crashed task", async () => {
      const sup = await startSup();
      const box = inbox();
      const err = await box.run(async () =>
        Task.await(
          await TaskSupervisor.asyncNolink(sup, () => {
            throw "nolink crash";
          }),
        ).catch((e: unknown) => e),
      );
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("nolink crash");
    });

    it("a GenServer gets [ref, result] or the DOWN in handleInfo and lives on", async () => {
      const sup = await startSup();
      const box = inbox();
      class Runner extends GenServer<null> {
        override async handleCall(work: () => unknown, _from: From, s: null) {
          const task = await TaskSupervisor.asyncNolink(sup, work);
          return ["reply", task.ref, s] as const;
        }
        override handleInfo(msg: unknown, s: null) {
          send(box.pid, msg);
          return ["noreply", s] as const;
        }
      }
      const server = await Runner.start(null);
      killAfterTest(server);
      const ok = await GenServer.call(server, () => "fine");
      expect(await box.receive(undefined, WAIT)).toEqual([ok, "fine"]);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ok, "process", expect.anything(), "normal"]);
      const bad = await GenServer.call(server, () => {
        throw "task failed";
      });
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", bad, "process", expect.anything(), "task failed"]);
      expect(isAlive(server)).toBe(true);
    });
  });

  describe("TaskSupervisor.startChild", () => {
    it("runs fn with no owner; stopping the supervisor stops it", async () => {
      const box = inbox();
      const parent = new Inbox();
      const sup = await parent.run(() => TaskSupervisor.startLink());
      const pid = await TaskSupervisor.startChild(sup, held(box.pid, 1));
      expect(await taskPid(box)).toBe(pid);
      const ref = await box.run(() => monitor(pid));
      parent.close("shutdown");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, "shutdown"]);
    });

    it("terminateChild stops one task", async () => {
      const sup = await startSup();
      const box = inbox();
      const pid = await TaskSupervisor.startChild(sup, held(box.pid, 1));
      await TaskSupervisor.terminateChild(sup, pid);
      expect(isAlive(pid)).toBe(false);
      expect(await TaskSupervisor.children(sup)).toEqual([]);
    });

    it("rejects OptionsError for a fn that is not a function or an unknown option", async () => {
      const sup = await startSup();
      await expect(TaskSupervisor.startChild(sup, "x" as never)).rejects.toThrow(/^invalid fn: expected a function, got "x"$/);
      await expect(TaskSupervisor.startChild(sup, () => 1, { timeout: 5 } as never)).rejects.toThrow(/^invalid timeout: expected no such option \(known: shutdown, restart\), got 5$/);
    });
  });

  describe("TaskSupervisor.asyncStream and asyncStreamNolink", () => {
    it("runs each item as a child of the supervisor, in order", async () => {
      const sup = await startSup();
      const box = inbox();
      const results: unknown[] = [];
      for await (const r of TaskSupervisor.asyncStream(sup, [1, 2, 3], async (i) => {
        send(box.pid, await TaskSupervisor.children(sup));
        return i * 2;
      }, { maxConcurrency: 2 })) results.push(r);
      expect(results).toEqual([["ok", 2], ["ok", 4], ["ok", 6]]);
      expect(((await box.receive(undefined, WAIT)) as Pid[]).length).toBeGreaterThan(0);
      expect(await TaskSupervisor.children(sup)).toEqual([]);
    });

    it("asyncStream: a crash takes the caller down", async () => {
      const sup = await startSup();
      const box = inbox();
      const [caller, ref] = await box.run(() =>
        spawnMonitor(async () => {
          for await (const _ of TaskSupervisor.asyncStream(sup, [1], () => {
            throw "stream crash";
          }));
        }),
      );
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", caller, "stream crash"]);
    });

    it("asyncStreamNolink: a crash or a timeout is an ['exit', reason] and the caller lives on", async () => {
      const sup = await startSup();
      const box = inbox();
      const results = await box.run(async () => {
        const out: unknown[] = [];
        const work = (i: number) => {
          if (i === 1) throw "nolink stream crash";
          if (i === 2) return receive((m) => (m === "never" ? m : undefined));
          return i;
        };
        for await (const r of TaskSupervisor.asyncStreamNolink(sup, [1, 2, 3], work, { timeoutMs: 20, onTimeout: "kill_task" })) out.push(r);
        return out;
      });
      expect(results).toEqual([["exit", "nolink stream crash"], ["exit", "timeout"], ["ok", 3]]);
      expect(box.alive).toBe(true);
    });

    it("throws OptionsError at once for bad arguments", () => {
      expect(() => TaskSupervisor.asyncStream("sup", 1 as never, (x) => x)).toThrow(OptionsError);
      expect(() => TaskSupervisor.asyncStreamNolink("sup", [1], (x) => x, { maxConcurrency: -1 })).toThrow(/^invalid maxConcurrency/);
    });
  });

  describe("TaskSupervisor.childSpec", () => {
    it("runs a task supervisor under a Supervisor", async () => {
      const spec = TaskSupervisor.childSpec({ name: "task-sup.test.child" });
      expect(spec).toMatchObject({ id: "task-sup.test.child", type: "supervisor" });
      expect(TaskSupervisor.childSpec().id).toBe(TaskSupervisor);
      const top = await Supervisor.startLink([spec], { strategy: "one_for_one" });
      killAfterTest(top);
      expect(await Task.await(await TaskSupervisor.async("task-sup.test.child", () => "under a tree"))).toBe("under a tree");
    });
  });
});
