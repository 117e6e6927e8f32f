import { beforeEach, describe, expect, it } from "vitest";
import type { Inbox } from "../../src/runtime/process/inbox.ts";
import { send } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { isAlive, self, spawn, spawnLink, trapExit } from "../../src/runtime/process/spawn.ts";
import { isExpectedExit, shutdownChild, shutdownChildren } from "../../src/supervisor/shutdown.ts";
import { useLogCapture, useProcesses } from "../helpers/runtime.ts";
import { settle, WAIT } from "./support.ts";

useLogCapture();
const processes = useProcesses();

let inbox: Inbox;
beforeEach(() => {
  // Trapping, like a supervisor: a child's exit signal is a message, not the inbox's death.
  inbox = processes.inbox(true);
});

type Behaviour = "obey" | "ignore" | "wait_go" | "no_trap";

/**
 * A child linked to the inbox that reports ["got", reason] when an exit signal reaches it as a
 * message, then behaves as told: exit with that reason, never exit, or exit on "go".
 */
function child(behaviour: Behaviour): Promise<Pid> {
  return inbox.run(async () => {
    const pid = spawnLink(async () => {
      if (behaviour !== "no_trap") trapExit(true);
      send(inbox.pid, ["ready", self()]);
      const [, , reason] = await receive((m) => (Array.isArray(m) && m[0] === "EXIT" ? (m as [string, Pid, unknown]) : undefined));
      send(inbox.pid, ["got", reason]);
      if (behaviour === "ignore") await new Promise(() => {});
      if (behaviour === "wait_go") await receive((m) => (m === "go" ? m : undefined));
      throw reason;
    });
    await inbox.receive((m) => (Array.isArray(m) && m[0] === "ready" && m[1] === pid ? m : undefined), WAIT);
    return pid;
  });
}

/** Runs `fn` as the inbox's process, as a supervisor's callback would run. */
function asSupervisor<T>(fn: () => Promise<T>): Promise<T> {
  return inbox.run(fn);
}

const got = (): Promise<unknown> =>
  inbox.receive((m) => (Array.isArray(m) && m[0] === "got" ? ([m[1]] as const) : undefined), WAIT).then(([r]) => r);

describe("shutdown", () => {
  describe("shutdownChild", () => {
    it("ends a child that does not trap exits at once, with shutdown", async () => {
      const pid = await child("no_trap");
      expect(await asSupervisor(() => shutdownChild(pid, 5000))).toBe("shutdown");
      expect(isAlive(pid)).toBe(false);
    });

    it("sends shutdown to a trapping child and resolves once it exited", async () => {
      const pid = await child("obey");
      expect(await asSupervisor(() => shutdownChild(pid, 5000))).toBe("shutdown");
      expect(await got()).toBe("shutdown");
    });

    it("kills a child that ignores shutdown once its shutdown time ran out", async () => {
      const pid = await child("ignore");
      const t0 = performance.now();
      expect(await asSupervisor(() => shutdownChild(pid, 40))).toBe("killed");
      expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
      expect(await got()).toBe("shutdown");
      expect(isAlive(pid)).toBe(false);
    });

    it("brutal_kill kills at once: the child never sees a signal it could trap", async () => {
      const pid = await child("obey");
      expect(await asSupervisor(() => shutdownChild(pid, "brutal_kill"))).toBe("killed");
      await settle();
      expect(inbox.peek().some((m) => Array.isArray(m) && m[0] === "got")).toBe(false);
    });

    it("infinity waits as long as the child takes", async () => {
      const pid = await child("wait_go");
      let done = false;
      const stopping = asSupervisor(() => shutdownChild(pid, "infinity")).then((r) => {
        done = true;
        return r;
      });
      expect(await got()).toBe("shutdown");
      for (let i = 0; i < 5; i++) await settle();
      expect(done).toBe(false);
      expect(isAlive(pid)).toBe(true);
      send(pid, "go");
      expect(await stopping).toBe("shutdown");
    });

    it("leaves no EXIT message behind", async () => {
      const pid = await child("obey");
      await asSupervisor(() => shutdownChild(pid, 5000));
      await got();
      await settle();
      expect(inbox.peek()).toEqual([]);
    });

    it("takes the reason of a linked child that had already exited from its queued EXIT", async () => {
      const pid = await inbox.run(() => spawnLink(() => Promise.reject(["crashed", 1])));
      for (let i = 0; i < 3 && isAlive(pid); i++) await settle();
      expect(inbox.peek()).toEqual([["EXIT", pid, ["crashed", 1]]]);
      expect(isAlive(pid)).toBe(false);
      expect(await asSupervisor(() => shutdownChild(pid, 5000))).toEqual(["crashed", 1]);
      expect(inbox.peek()).toEqual([]);
    });

    it("resolves noproc for a dead process that left no EXIT", async () => {
      const pid = spawn(() => {});
      await settle();
      expect(await asSupervisor(() => shutdownChild(pid, 5000))).toBe("noproc");
    });
  });

  describe("shutdownChildren", () => {
    it("signals every child first, then waits for all, killing those that outlive their time", async () => {
      const obey = await child("obey");
      const ignore = await child("ignore");
      const brutal = await child("obey");
      const slow = await child("wait_go");
      const stopping = asSupervisor(() =>
        shutdownChildren([
          { pid: obey, shutdown: 5000 },
          { pid: ignore, shutdown: 30 },
          { pid: brutal, shutdown: "brutal_kill" },
          { pid: slow, shutdown: "infinity" },
        ]),
      );
      // Three children saw their signal before any of them was waited for.
      expect([await got(), await got(), await got()]).toEqual(["shutdown", "shutdown", "shutdown"]);
      send(slow, "go");
      expect(await stopping).toEqual(["shutdown", "killed", "killed", "shutdown"]);
      for (const pid of [obey, ignore, brutal, slow]) expect(isAlive(pid)).toBe(false);
      await settle();
      expect(inbox.peek()).toEqual([]);
    });

    it("resolves an empty list at once", async () => {
      expect(await asSupervisor(() => shutdownChildren([]))).toEqual([]);
    });
  });

  describe("isExpectedExit", () => {
    it.each([
      ["shutdown", 5000, "permanent", true],
      ["killed", 5000, "permanent", false],
      ["normal", 5000, "permanent", false],
      ["normal", 5000, "transient", true],
      [["shutdown", "x"], 5000, "temporary", true],
      [["shutdown", "x"], 5000, "permanent", false],
      ["killed", "brutal_kill", "permanent", true],
      ["shutdown", "brutal_kill", "permanent", false],
      ["shutdown", "brutal_kill", "transient", true],
      ["boom", "infinity", "temporary", false],
    ] as const)("%j after shutdown %j for a %s child: %s", (reason, shutdown, restart, expected) => {
      expect(isExpectedExit(reason, shutdown, restart)).toBe(expected);
    });
  });
});
