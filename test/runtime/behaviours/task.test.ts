import { describe, expect, it } from "vitest";
import { ExitError, OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { Task } from "../../../src/runtime/behaviours/task.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { isAlive, self, spawnMonitor, trapExit } from "../../../src/runtime/process/spawn.ts";
import { Supervisor } from "../../../src/supervisor/supervisor.ts";
import { downMessage, held, taskPid, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, killAfterTest } = useProcesses();


/** Runs `body` in a new process monitored from `box`; resolves the process's exit reason. */
async function exitReasonOf(box: Inbox, body: () => unknown): Promise<unknown> {
  const [, ref] = await box.run(() => spawnMonitor(body));
  const down = (await downMessage(box, ref)) as unknown[];
  return down[4];
}

describe("Task", () => {
  describe("Task.async and Task.await", () => {
    it("runs fn in a process of its own and resolves its value, sync or async", async () => {
      const box = inbox();
      const [value, pid, asyncValue] = await box.run(async () => {
        const t = Task.async(() => self());
        const u = Task.async(async () => 42);
        return [t, await Task.await(t), await Task.await(u)] as const;
      }).then(([t, v, a]) => [v, t.pid, a]);
      expect(value).toBe(pid);
      expect(value).not.toBe(box.pid);
      expect(asyncValue).toBe(42);
      expect(box.peek()).toEqual([]);
    });

    it("works outside any process, through a private mailbox", async () => {
      const t = Task.async(() => "outside");
      expect(t.owner).toBeUndefined();
      expect(await Task.await(t)).toBe("outside");
    });

    it("links the task to its owner: the owner's crash takes the task down", async () => {
      const owner = new Inbox();
      const box = inbox();
      await owner.run(() => Task.async(held(box.pid, 1)));
      const pid = await taskPid(box);
      const ref = await box.run(() => monitor(pid));
      owner.close("boom");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, "boom"]);
    });

    it("a task that crashes takes its owner down", async () => {
      const box = inbox();
      const reason = await exitReasonOf(box, async () => {
        const t = Task.async(() => {
          throw new Error("task blew up");
        });
        await Task.await(t);
        send(box.pid, "not reached");
      });
      expect(reason).toEqual(new Error("task blew up"));
      expect(box.peek()).not.toContain("not reached");
    });

    it("rejects ExitError with the task's reason when the owner traps exits", async () => {
      const box = inbox(true);
      const err = await box.run(async () => {
        const t = Task.async(() => {
          throw new Error("task blew up");
        });
        return Task.await(t).catch((e: unknown) => e);
      });
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toEqual(new Error("task blew up"));
      expect((err as ExitError).message).toMatch(/^#PID<0\.\d+\.0> exited with reason Error: task blew up$/);
      expect(await box.receive((m) => (Array.isArray(m) && m[0] === "EXIT" ? m : undefined), WAIT)).toEqual(["EXIT", expect.anything(), new Error("task blew up")]);
    });

    it("rejects OptionsError when called from a process other than the owner", async () => {
      const owner = inbox();
      const other = inbox();
      const t = await owner.run(() => Task.async(() => 1));
      const err = (await other.run(() => Task.await(t)).catch((e: unknown) => e)) as OptionsError;
      expect(err).toBeInstanceOf(OptionsError);
      expect(err.message).toMatch(
        new RegExp(`^invalid task: expected a task owned by the caller for Task\\.await \\(it is owned by #PID<0\\.${owner.pid.id}\\.0>, called from #PID<0\\.${other.pid.id}\\.0>\\), got `),
      );
      await expect(Task.await(t)).rejects.toThrow(/it is owned by #PID<0\.\d+\.0>, called outside any process\)/);
      expect(await owner.run(() => Task.await(t))).toBe(1);
    });

    it("rejects OptionsError for something that is not a Task, or a bad timeout", async () => {
      await expect(Task.await({ pid: 1 } as never)).rejects.toThrow(/^invalid task: expected a Task \(from Task\.async or TaskSupervisor\.async\) for Task\.await, got \{pid: 1\}$/);
      const t = Task.async(() => 1);
      await expect(Task.await(t, -1)).rejects.toThrow(/^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got -1$/);
      expect(await Task.await(t)).toBe(1);
    });

    it("throws OptionsError for a fn that is not a function", () => {
      expect(() => Task.async("nope" as never)).toThrow(OptionsError);
      expect(() => Task.async("nope" as never)).toThrow(/^invalid fn: expected a function, got "nope"$/);
    });

    it("a timeout outside a process rejects TimeoutError, and the task keeps running", async () => {
      const box = inbox();
      const t = Task.async(held(box.pid, 1));
      const pid = await taskPid(box);
      const err = (await Task.await(t, 10).catch((e: unknown) => e)) as TimeoutError;
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.message).toBe("Task.await timed out after 10 ms");
      expect(isAlive(pid)).toBe(true);
      killAfterTest(pid);
    });

    it("a timeout inside a process exits it with ['timeout', ['Task.await', [task, ms]]], taking the task down", async () => {
      const box = inbox();
      const reason = (await exitReasonOf(box, async () => {
        const t = Task.async(held(box.pid, 1));
        send(box.pid, ["handle", t]);
        await Task.await(t, 10);
      })) as [string, [string, [Task, number]]];
      const t = (await box.receive((m) => (Array.isArray(m) && m[0] === "handle" ? (m[1] as Task) : undefined), WAIT))!;
      expect(reason).toEqual(["timeout", ["Task.await", [t, 10]]]);
      expect(isAlive(t.pid)).toBe(false);
      expect(logs.errors()[0]).toMatchObject({ reason: expect.stringContaining('["timeout", ["Task.await"') });
    });

    it("a timeout in a GenServer callback crashes the server: terminate runs with the reason", async () => {
      const box = inbox();
      class Waiter extends GenServer<null> {
        override async handleCall(_req: unknown, _from: From, s: null) {
          await Task.await(Task.async(held(box.pid, 1)), 10);
          return ["reply", "never", s] as const;
        }
        override terminate(reason: unknown) {
          send(box.pid, ["terminate", reason]);
        }
      }
      const server = await Waiter.start(null);
      const err = (await GenServer.call(server, "go").catch((e: unknown) => e)) as ExitError;
      expect(err).toBeInstanceOf(ExitError);
      expect(err.reason).toEqual(["timeout", ["Task.await", [expect.any(Task), 10]]]);
      const [, reason] = (await box.receive((m) => (Array.isArray(m) && m[0] === "terminate" ? m : undefined), WAIT)) as [string, unknown];
      expect(reason).toEqual(err.reason);
    });

    it("drops a reply that comes after the timeout (the monitor is gone)", async () => {
      const box = inbox();
      const t = await box.run(() => Task.async(held(box.pid, "late")));
      const pid = await taskPid(box);
      await box.run(() => Task.await(t, 10).catch(() => undefined));
      const ref = await box.run(() => monitor(pid));
      send(pid, "go");
      await downMessage(box, ref);
      expect(box.peek()).toEqual([]);
    });

    it("a GenServer owner that does not await gets [ref, result] and the DOWN in handleInfo", async () => {
      const box = inbox();
      class Owner extends GenServer<Task<number> | undefined> {
        override handleCast(_msg: unknown, _s: unknown) {
          return ["noreply", Task.async(() => 7)] as const;
        }
        override handleInfo(msg: unknown, s: Task<number> | undefined) {
          send(box.pid, ["info", msg, s?.ref, s?.pid]);
          return ["noreply", s] as const;
        }
      }
      const server = await Owner.start(undefined);
      killAfterTest(server);
      GenServer.cast(server, "start");
      const first = (await box.receive(undefined, WAIT)) as [string, unknown[], unknown, unknown];
      const second = (await box.receive(undefined, WAIT)) as [string, unknown[], unknown, unknown];
      const [, , ref, pid] = first;
      expect(first[1]).toEqual([ref, 7]);
      expect(second[1]).toEqual(["DOWN", ref, "process", pid, "normal"]);
    });
  });

  describe("Task.yield", () => {
    it("resolves undefined while the task runs, then ['ok', value]", async () => {
      const box = inbox();
      const result = await box.run(async () => {
        const t = Task.async(held(box.pid, "v"));
        const first = await Task.yield(t, 5);
        send(await taskPid(box), "go");
        return [first, await Task.yield(t)];
      });
      expect(result).toEqual([undefined, ["ok", "v"]]);
      expect(box.peek()).toEqual([]);
    });

    it("resolves ['exit', reason] for a task that crashed (owner trapping exits)", async () => {
      const box = inbox(true);
      const r = await box.run(() =>
        Task.yield(
          Task.async(() => {
            throw "bad";
          }),
        ),
      );
      expect(r).toEqual(["exit", "bad"]);
    });

    it("rejects OptionsError from another process", async () => {
      const t = Task.async(() => 1);
      await expect(inbox().run(() => Task.yield(t))).rejects.toThrow(OptionsError);
    });
  });

  describe("Task.shutdown", () => {
    it("stops a running task with 'shutdown' and resolves undefined; the owner lives on", async () => {
      const box = inbox();
      const r = await box.run(async () => {
        const t = Task.async(held(box.pid, 1));
        const pid = await taskPid(box);
        const ref = monitor(pid);
        const result = await Task.shutdown(t);
        return [result, await receive((m) => (Array.isArray(m) && m[1] === ref ? m[4] : undefined), WAIT)];
      });
      expect(r).toEqual([undefined, "shutdown"]);
      expect(box.alive).toBe(true);
    });

    it("kills at once with 'brutal_kill'", async () => {
      const box = inbox();
      const r = await box.run(async () => {
        const t = Task.async(held(box.pid, 1));
        const ref = monitor(await taskPid(box));
        return [await Task.shutdown(t, "brutal_kill"), await receive((m) => (Array.isArray(m) && m[1] === ref ? m[4] : undefined), WAIT)];
      });
      expect(r).toEqual([undefined, "killed"]);
    });

    it("kills a task that traps exits once the timeout is spent", async () => {
      const box = inbox();
      const r = await box.run(async () => {
        const t = Task.async(async () => {
          trapExit(true);
          send(box.pid, ["task", self()]);
          await receive((m) => (m === "never" ? m : undefined));
        });
        const ref = monitor(await taskPid(box));
        return [await Task.shutdown(t, 10), await receive((m) => (Array.isArray(m) && m[1] === ref ? m[4] : undefined), WAIT)];
      });
      expect(r).toEqual([undefined, "killed"]);
    });

    it("resolves ['ok', value] when the reply came first, ['exit', 'noproc'] once awaited", async () => {
      const box = inbox();
      const r = await box.run(async () => {
        const t = Task.async(() => "done");
        const u = Task.async(() => "awaited");
        // A second monitor's DOWN comes after the task's reply is in the mailbox.
        const ref = monitor(t.pid);
        await receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), WAIT);
        await Task.yield(u);
        return [await Task.shutdown(t), await Task.shutdown(u)];
      });
      expect(r).toEqual([["ok", "done"], ["exit", "noproc"]]);
    });

    it("resolves ['exit', reason] for a task that had crashed (owner trapping exits)", async () => {
      const box = inbox(true);
      const r = await box.run(async () => {
        const t = Task.async(() => {
          throw "bad";
        });
        await box.receive((m) => (Array.isArray(m) && m[0] === "EXIT" ? m : undefined), WAIT);
        return Task.shutdown(t);
      });
      expect(r).toEqual(["exit", "bad"]);
    });

    it("rejects OptionsError for a bad timeout", async () => {
      const t = Task.async(() => 1);
      await expect(Task.shutdown(t, "soon" as never)).rejects.toThrow(/^invalid timeoutOrBrutal: expected a non-negative number of milliseconds or Infinity, got "soon"$/);
    });
  });

  describe("Task.start and Task.startLink", () => {
    it("start runs fn unlinked, with no reply", async () => {
      const box = inbox();
      const parent = new Inbox();
      const pid = await parent.run(() => Task.start(held(box.pid, 1)));
      expect(await taskPid(box)).toBe(pid);
      parent.close("boom");
      expect(isAlive(pid)).toBe(true);
      send(pid, "go");
      const ref = await box.run(() => monitor(pid));
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, expect.anything()]);
      expect(box.peek()).toEqual([]);
    });

    it("startLink links fn's process to the caller", async () => {
      const box = inbox();
      const parent = new Inbox();
      const pid = await parent.run(() => Task.startLink(held(box.pid, 1)));
      const ref = await box.run(() => monitor(pid));
      parent.close("boom");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, "boom"]);
    });

    it("throws OptionsError for a fn that is not a function", () => {
      expect(() => Task.start(1 as never)).toThrow(/^invalid fn: expected a function, got 1$/);
      expect(() => Task.startLink(null as never)).toThrow(/^invalid fn: expected a function, got null$/);
    });
  });

  describe("Task.childSpec", () => {
    it("runs fn as a temporary child of a Supervisor", async () => {
      const box = inbox();
      const spec = Task.childSpec(held(box.pid, 1));
      expect(spec).toEqual({ id: Task, restart: "temporary", start: expect.any(Function) });
      const sup = await Supervisor.startLink([spec], { strategy: "one_for_one" });
      killAfterTest(sup);
      const pid = await taskPid(box);
      expect((await Supervisor.whichChildren(sup))[0]).toMatchObject({ id: Task, pid });
      send(pid, "go");
      const ref = await box.run(() => monitor(pid));
      await downMessage(box, ref);
      expect(await Supervisor.whichChildren(sup)).toEqual([]);
    });
  });
});
