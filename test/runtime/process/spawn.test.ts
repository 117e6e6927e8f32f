import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { NoProcessContextError, OptionsError } from "../../../src/runtime/errors.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, self, spawn, spawnLink, spawnMonitor, trapExit } from "../../../src/runtime/process/spawn.ts";
import { outsideProcess, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, idle } = useProcesses();

describe("spawn", () => {
  describe("spawn", () => {
    it("runs fn on a later turn, never inside the caller", async () => {
      const box = inbox();
      let ran = false;
      const pid = spawn(() => {
        ran = true;
        send(box.pid, "ran");
      });
      expect(ran).toBe(false);
      expect(isAlive(pid)).toBe(true);
      expect(await box.receive(undefined, WAIT)).toBe("ran");
    });

    it("exits normal when fn returns", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() => spawnMonitor(() => 42));
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "normal"]);
      expect(isAlive(pid)).toBe(false);
    });

    it("exits normal when fn's promise resolves, not before", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          await receive((m) => (m === "go" ? m : undefined));
        }),
      );
      send(pid, "other");
      await expect(box.receive(undefined, 0)).rejects.toThrow(/^receive timed out after 0 ms$/);
      send(pid, "go");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "normal"]);
    });

    it("exits with the thrown value when fn throws", async () => {
      const box = inbox();
      const err = new Error("boom");
      const [pid, ref] = await box.run(() =>
        spawnMonitor(() => {
          throw err;
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, err]);
    });

    it("exits with the rejection value when fn's promise rejects", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          await Promise.resolve();
          throw ["bad", 1];
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, ["bad", 1]]);
    });

    it("logs a crash report for an abnormal exit and nothing for normal or shutdown", async () => {
      const box = inbox();
      const [, r1] = await box.run(() => spawnMonitor(() => undefined));
      const [, r2] = await box.run(() =>
        spawnMonitor(() => {
          throw "shutdown";
        }),
      );
      const [, r3] = await box.run(() =>
        spawnMonitor(() => {
          throw ["shutdown", "bye"];
        }),
      );
      for (const ref of [r1, r2, r3]) await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), WAIT);
      expect(logs.errors()).toEqual([]);
      const [pid, ref] = await box.run(() =>
        spawnMonitor(() => {
          throw "oops";
        }),
      );
      await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), WAIT);
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ process: String(pid), reason: '"oops"' });
    });

    it("rejects a body that is not a function", () => {
      expect(() => spawn(42 as never)).toThrow(OptionsError);
      expect(() => spawn(42 as never)).toThrow(/^invalid fn: expected a function, got 42$/);
    });
  });

  describe("spawnLink", () => {
    it("links the new process to the caller", async () => {
      const box = inbox(true);
      const pid = await box.run(() =>
        spawnLink(() => {
          throw "boom";
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "boom"]);
    });

    it("takes down a caller that does not trap exits", async () => {
      const watcher = inbox();
      const [parent, ref] = await watcher.run(() =>
        spawnMonitor(async () => {
          spawnLink(() => {
            throw "boom";
          });
          await receive(() => undefined);
        }),
      );
      expect(await watcher.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", parent, "boom"]);
    });

    it("behaves as spawn outside a process", async () => {
      const box = inbox();
      const pid = spawnLink(() => {
        send(box.pid, ["from", self()]);
        throw "boom";
      });
      expect(await box.receive(undefined, WAIT)).toEqual(["from", pid]);
      expect(box.alive).toBe(true);
    });

    it("rejects a body that is not a function", () => {
      expect(() => spawnLink("x" as never)).toThrow(OptionsError);
      expect(() => spawnLink("x" as never)).toThrow(/^invalid fn: expected a function, got "x"$/);
    });
  });

  describe("spawnMonitor", () => {
    it("returns the pid and a ref, and delivers DOWN once with the reason", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(() => {
          throw "bye";
        }),
      );
      expect(String(pid)).toMatch(/^#PID<0\.\d+\.0>$/);
      expect(String(ref)).toMatch(/^#Reference<\d+>$/);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "bye"]);
      await expect(box.receive(undefined, 0)).rejects.toThrow(/^receive timed out after 0 ms$/);
    });

    it("does not link", async () => {
      const box = inbox();
      const [, ref] = await box.run(() =>
        spawnMonitor(() => {
          throw "boom";
        }),
      );
      await box.receive(undefined, WAIT);
      expect(ref).toBeDefined();
      expect(box.alive).toBe(true);
    });

    it("throws NoProcessContextError outside a process", () => {
      expect(() => spawnMonitor(() => 1)).toThrow(NoProcessContextError);
      expect(() => spawnMonitor(() => 1)).toThrow(outsideProcess("spawnMonitor"));
    });

    it("rejects a body that is not a function", async () => {
      const box = inbox();
      await expect(box.run(() => spawnMonitor(null as never))).rejects.toThrow(OptionsError);
      await expect(box.run(() => spawnMonitor(null as never))).rejects.toThrow(/^invalid fn: expected a function, got null$/);
    });
  });

  describe("self", () => {
    it("is the running process's pid", async () => {
      const box = inbox();
      const pid = spawn(() => send(box.pid, self()));
      expect(await box.receive(undefined, WAIT)).toBe(pid);
    });

    it("holds in every async continuation of the process", async () => {
      const box = inbox();
      const pid = spawn(async () => {
        const seen: Pid[] = [self()];
        await delay(1);
        seen.push(self());
        await new Promise<void>((resolve) => setImmediate(resolve));
        seen.push(self());
        await Promise.resolve().then(() => seen.push(self()));
        setTimeout(() => send(box.pid, ["timer", self()]), 0);
        send(box.pid, seen);
      });
      expect(await box.receive(undefined, WAIT)).toEqual([pid, pid, pid, pid]);
      expect(await box.receive(undefined, WAIT)).toEqual(["timer", pid]);
    });

    it("keeps parent and child apart", async () => {
      const box = inbox();
      const parent = spawn(async () => {
        const child = spawn(() => send(box.pid, ["child", self()]));
        await delay(1);
        send(box.pid, ["parent", self(), child]);
      });
      const child = await box.receive((m) => (Array.isArray(m) && m[0] === "child" ? m[1] : undefined), WAIT);
      expect(await box.receive(undefined, WAIT)).toEqual(["parent", parent, child]);
      expect(child).not.toBe(parent);
    });

    it("throws NoProcessContextError outside a process", () => {
      expect(() => self()).toThrow(NoProcessContextError);
      expect(() => self()).toThrow(outsideProcess("self"));
    });
  });

  describe("exit", () => {
    it("ends a process that does not trap exits with the reason", async () => {
      const box = inbox();
      const pid = idle();
      const ref = await box.run(() => monitor(pid));
      exit(pid, "bye");
      expect(isAlive(pid)).toBe(false);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "bye"]);
    });

    it("delivers ['EXIT', sender, reason] to a process that traps exits", async () => {
      const box = inbox(true);
      await box.run(() => exit(box.pid, "hello"));
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", box.pid, "hello"]);
      const sender = spawn(() => exit(box.pid, ["shutdown", 1]));
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", sender, ["shutdown", 1]]);
      expect(box.alive).toBe(true);
    });

    it("kills with 'kill' even a trapping process, which ends with 'killed'", async () => {
      const box = inbox();
      const target = inbox(true);
      const ref = await box.run(() => monitor(target.pid));
      exit(target.pid, "kill");
      expect(target.alive).toBe(false);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", target.pid, "killed"]);
    });

    it("shows a linked trapping process 'killed' as a message", async () => {
      const box = inbox(true);
      const pid = await box.run(() => spawnLink(() => receive(() => undefined)));
      exit(pid, "kill");
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "killed"]);
    });

    it("ignores 'normal' for a process that does not trap exits", async () => {
      const box = inbox();
      const pid = idle();
      exit(pid, "normal");
      expect(isAlive(pid)).toBe(true);
      send(pid, "still there");
      expect(isAlive(pid)).toBe(true);
      expect(box.alive).toBe(true);
    });

    it("ends the caller itself with 'normal' when it signals itself", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          exit(self(), "normal");
          await receive(() => undefined);
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "normal"]);
    });

    it("ignores a dead pid", async () => {
      const box = inbox();
      const [pid] = await box.run(() => spawnMonitor(() => undefined));
      await box.receive(undefined, WAIT);
      expect(() => exit(pid, "kill")).not.toThrow();
    });

    it("rejects a target that is not a Pid", () => {
      expect(() => exit("name" as never, "kill")).toThrow(OptionsError);
      expect(() => exit("name" as never, "kill")).toThrow(/^invalid pid: expected a Pid, got "name"$/);
    });
  });

  describe("trapExit", () => {
    it("returns the previous setting and turns exit signals into messages", async () => {
      const box = inbox();
      expect(await box.run(() => trapExit(true))).toBe(false);
      expect(await box.run(() => trapExit(true))).toBe(true);
      const pid = await box.run(() =>
        spawnLink(() => {
          throw "boom";
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "boom"]);
      expect(await box.run(() => trapExit(false))).toBe(true);
    });

    it("can be set inside a spawned process", async () => {
      const box = inbox();
      const sender = inbox();
      const pid = spawn(async () => {
        trapExit(true);
        send(box.pid, "ready");
        send(box.pid, await receive());
      });
      await box.receive(undefined, WAIT);
      await sender.run(() => exit(pid, "bye"));
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", sender.pid, "bye"]);
      expect(isAlive(pid)).toBe(false);
    });

    it("throws NoProcessContextError outside a process", () => {
      expect(() => trapExit(true)).toThrow(NoProcessContextError);
      expect(() => trapExit(true)).toThrow(outsideProcess("trapExit"));
    });
  });

  describe("isAlive", () => {
    it("is true while the process runs and false after", async () => {
      const box = inbox();
      const [pid] = await box.run(() => spawnMonitor(() => receive()));
      expect(isAlive(pid)).toBe(true);
      send(pid, "stop");
      await box.receive(undefined, WAIT);
      expect(isAlive(pid)).toBe(false);
    });

    it("is false for anything that is not a Pid", () => {
      expect(isAlive("x" as never)).toBe(false);
      expect(isAlive(undefined as never)).toBe(false);
    });
  });
});
