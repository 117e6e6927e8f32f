import { afterEach, describe, expect, it } from "vitest";
import { ExitError, NoProcessContextError } from "../../../src/runtime/errors.ts";
import { makeRef } from "../../../src/runtime/process/pid.ts";
import {
  addMonitor,
  bodyStart,
  createProc,
  current,
  currentProc,
  deliver,
  exitSignal,
  linkProcs,
  lookup,
  OUTSIDE,
  outsideProcess,
  type Proc,
  removeMessage,
  removeMonitor,
  requireProc,
  terminate,
  unlinkProcs,
} from "../../../src/runtime/process/process.ts";
import { receiveIn } from "../../../src/runtime/process/receive.ts";
import { useLogCapture, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const procs: Proc[] = [];

afterEach(() => {
  for (const p of procs.splice(0)) terminate(p, "kill");
});

/** A process record with a mailbox and nothing running (like an Inbox). */
function proc(trap = false): Proc {
  const p = createProc();
  p.trapExit = trap;
  procs.push(p);
  return p;
}

/** Resolves when `p` has exited, with its reason. */
function exited(p: Proc): Promise<unknown> {
  const watcher = proc();
  const ref = makeRef();
  addMonitor(watcher, p, ref);
  return receiveIn(watcher, (m) => (Array.isArray(m) && m[1] === ref ? m[4] : undefined), WAIT);
}

describe("process", () => {
  describe("createProc", () => {
    it("registers a live process with a fresh pid and no code", () => {
      const p = proc();
      expect(p.alive).toBe(true);
      expect(lookup(p.pid)).toBe(p);
      expect(String(p.pid)).toMatch(/^#PID<0\.\d+\.0>$/);
      expect(proc().pid).not.toBe(p.pid);
    });

    it("runs start as the process on a later turn", async () => {
      let seen: Proc | undefined;
      const p = createProc((self) => {
        seen = currentProc();
        expect(self).toBe(seen);
      });
      procs.push(p);
      expect(seen).toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toBe(p);
    });

    it("never runs start for a process that ended first", async () => {
      let ran = false;
      const p = createProc(() => (ran = true));
      terminate(p, "kill");
      await new Promise((resolve) => setImmediate(resolve));
      expect(ran).toBe(false);
    });
  });

  describe("bodyStart", () => {
    it("ends the process normal when the body returns or resolves", async () => {
      const sync = exited(createProc(bodyStart(() => 1)));
      const async = exited(createProc(bodyStart(async () => 2)));
      expect(await sync).toBe("normal");
      expect(await async).toBe("normal");
    });

    it("ends the process with what the body threw or rejected, and reports the crash", async () => {
      const sync = exited(
        createProc(
          bodyStart(() => {
            throw "sync";
          }),
        ),
      );
      const async = exited(createProc(bodyStart(() => Promise.reject(new Error("async")))));
      expect(await sync).toBe("sync");
      expect(((await async) as Error).message).toBe("async");
      expect(logs.errors().map((l) => l["reason"])).toEqual(['"sync"', "Error: async"]);
    });
  });

  describe("currentProc", () => {
    it("is undefined outside a process and the process inside", () => {
      const p = proc();
      expect(currentProc()).toBeUndefined();
      expect(current.run(p, () => currentProc())).toBe(p);
    });
  });

  describe("outsideProcess", () => {
    it("runs its function and what it schedules outside the process, and the process resumes after", async () => {
      const p = proc();
      const seen = await current.run(p, async () => {
        let later!: Promise<Proc | undefined>;
        const inside = outsideProcess(() => {
          later = new Promise((resolve) => setImmediate(() => resolve(currentProc())));
          return currentProc();
        });
        return [inside, await later, currentProc()];
      });
      expect(seen).toEqual([undefined, undefined, p]);
    });

    it("returns what its function returns and lets its throw through, the process still current", () => {
      const p = proc();
      expect(current.run(p, () => outsideProcess(() => 42))).toBe(42);
      const after = current.run(p, () => {
        expect(() => outsideProcess(() => { throw new RangeError("x"); })).toThrow(RangeError);
        return currentProc();
      });
      expect(after).toBe(p);
    });
  });

  describe("requireProc", () => {
    it("throws NoProcessContextError naming the operation outside a process", () => {
      expect(() => requireProc("frobnicate")).toThrow(NoProcessContextError);
      expect(() => requireProc("frobnicate")).toThrow(/^frobnicate\(\) must run inside a process \(use spawn, an Inbox, or inbox\.run\)$/);
    });
  });

  describe("deliver", () => {
    it("queues the message as it is", () => {
      const p = proc();
      const msg = { a: 1 };
      deliver(p, msg);
      expect(p.mailbox.at(0)).toBe(msg);
    });

    it("drops a message to a dead process", () => {
      const p = proc();
      terminate(p, "normal");
      deliver(p, 1);
      expect(p.mailbox.length).toBe(0);
    });

    it("wakes a waiting receive on a later turn", async () => {
      const p = proc();
      const got = receiveIn(p, undefined, WAIT);
      deliver(p, "x");
      expect(p.mailbox.length).toBe(1);
      expect(await got).toBe("x");
      expect(p.mailbox.length).toBe(0);
    });
  });

  describe("linkProcs / unlinkProcs", () => {
    it("link both ways, ignore a self-link, and unlink both ways", () => {
      const a = proc();
      const b = proc();
      linkProcs(a, a);
      expect(a.links).toBeUndefined();
      linkProcs(a, b);
      expect([...a.links!]).toEqual([b]);
      expect([...b.links!]).toEqual([a]);
      unlinkProcs(b, a);
      expect(a.links!.size).toBe(0);
      expect(b.links!.size).toBe(0);
    });
  });

  describe("addMonitor / removeMonitor", () => {
    it("record the monitor on both sides and remove it once", () => {
      const w = proc();
      const t = proc();
      const ref = makeRef();
      addMonitor(w, t, ref);
      expect(w.monitors!.get(ref)).toBe(t);
      expect(t.monitoredBy!.get(ref)).toBe(w);
      expect(removeMonitor(w, ref)).toBe(true);
      expect(removeMonitor(w, ref)).toBe(false);
      expect(t.monitoredBy!.size).toBe(0);
    });
  });

  describe("exitSignal", () => {
    const cases: ReadonlyArray<{ name: string; reason: unknown; direct: boolean; trap: boolean; fromSelf?: boolean; dies?: unknown; message?: boolean }> = [
      { name: "direct kill ends a non-trapping process with killed", reason: "kill", direct: true, trap: false, dies: "killed" },
      { name: "direct kill ends a trapping process with killed", reason: "kill", direct: true, trap: true, dies: "killed" },
      { name: "kill through a link ends a non-trapping process with kill", reason: "kill", direct: false, trap: false, dies: "kill" },
      { name: "kill through a link is a message to a trapping process", reason: "kill", direct: false, trap: true, message: true },
      { name: "an abnormal reason ends a non-trapping process", reason: "boom", direct: true, trap: false, dies: "boom" },
      { name: "an abnormal reason is a message to a trapping process", reason: "boom", direct: false, trap: true, message: true },
      { name: "normal from another process is ignored", reason: "normal", direct: true, trap: false },
      { name: "normal from another process is a message when trapping", reason: "normal", direct: false, trap: true, message: true },
      { name: "normal from the process itself ends it", reason: "normal", direct: true, trap: false, fromSelf: true, dies: "normal" },
    ];

    for (const c of cases) {
      it(c.name, () => {
        const p = proc(c.trap);
        const from = c.fromSelf === true ? p.pid : OUTSIDE;
        exitSignal(p, from, c.reason, c.direct);
        expect(p.alive).toBe(c.dies === undefined);
        if (c.dies !== undefined) expect(p.exitReason).toEqual(c.dies);
        expect(p.mailbox.toArray()).toEqual(c.message === true ? [["EXIT", from, c.reason]] : []);
      });
    }

    it("does nothing to a dead process", () => {
      const p = proc();
      terminate(p, "first");
      exitSignal(p, OUTSIDE, "kill", true);
      expect(p.exitReason).toBe("first");
    });
  });

  describe("terminate", () => {
    it("marks the process dead, forgets it and clears its mailbox", () => {
      const p = proc();
      deliver(p, 1);
      terminate(p, "bye");
      expect(p.alive).toBe(false);
      expect(p.exitReason).toBe("bye");
      expect(lookup(p.pid)).toBeUndefined();
      expect(p.mailbox.length).toBe(0);
    });

    it("runs each exit hook once, function or object, before links and monitors fire", () => {
      const p = proc();
      const watcher = proc();
      const linked = proc(true);
      linkProcs(p, linked);
      const ref = makeRef();
      addMonitor(watcher, p, ref);
      const calls: unknown[] = [];
      p.onExit((q, reason) => calls.push(["fn", q === p, reason, linked.mailbox.length, watcher.mailbox.length]));
      p.onExit({ procExited: (q: Proc, reason: unknown) => void calls.push(["obj", q === p, reason]) } as never);
      terminate(p, "bye");
      terminate(p, "again");
      expect(calls).toEqual([
        ["fn", true, "bye", 0, 0],
        ["obj", true, "bye"],
      ]);
      expect(linked.mailbox.toArray()).toEqual([["EXIT", p.pid, "bye"]]);
      expect(watcher.mailbox.toArray()).toEqual([["DOWN", ref, "process", p.pid, "bye"]]);
    });

    it("takes down a long chain of linked processes without overflowing the stack", () => {
      const chain = Array.from({ length: 20_000 }, () => createProc());
      for (let i = 1; i < chain.length; i++) linkProcs(chain[i - 1]!, chain[i]!);
      const watcher = proc();
      const ref = makeRef();
      addMonitor(watcher, chain.at(-1)!, ref);
      terminate(chain[0]!, "boom");
      expect(chain.filter((p) => p.alive)).toEqual([]);
      expect(chain.every((p) => p.exitReason === "boom")).toBe(true);
      expect(watcher.mailbox.toArray()).toEqual([["DOWN", ref, "process", chain.at(-1)!.pid, "boom"]]);
    });

    it("delivers a process's own DOWN before those of the processes its exit takes down", () => {
      const a = proc();
      const b = proc();
      linkProcs(a, b);
      const watcher = proc();
      const [ra, rb] = [makeRef(), makeRef()];
      addMonitor(watcher, b, rb);
      addMonitor(watcher, a, ra);
      terminate(a, "boom");
      expect(watcher.mailbox.toArray()).toEqual([
        ["DOWN", ra, "process", a.pid, "boom"],
        ["DOWN", rb, "process", b.pid, "boom"],
      ]);
    });

    it("drops an exit hook removed with offExit", () => {
      const p = proc();
      let ran = false;
      const hook = (): void => void (ran = true);
      p.onExit(hook);
      p.offExit(hook);
      terminate(p, "x");
      expect(ran).toBe(false);
    });

    it("removes the monitors the process held, so their targets no longer point back", () => {
      const p = proc();
      const target = proc();
      addMonitor(p, target, makeRef());
      terminate(p, "x");
      expect(target.monitoredBy!.size).toBe(0);
      terminate(target, "y");
      expect(p.mailbox.length).toBe(0);
    });

    it("rejects pending receives with ExitError when the process asks for it, and cancels their timers", async () => {
      const p = proc();
      p.rejectOnExit = true;
      const pending = receiveIn(p, undefined, 50);
      terminate(p, "closed");
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("closed");
    });

    it("leaves pending receives of an ordinary process unsettled", async () => {
      const p = proc();
      let settled = false;
      void receiveIn(p, undefined, 5).then(
        () => (settled = true),
        () => (settled = true),
      );
      terminate(p, "x");
      // Outlive the cancelled 5 ms timeout on another process's receive.
      await expect(receiveIn(proc(), undefined, 10)).rejects.toThrow(/^receive timed out after 10 ms$/);
      expect(settled).toBe(false);
    });
  });

  describe("removeMessage", () => {
    it("keeps other waiters' scan positions on the same messages", async () => {
      const p = proc();
      for (const m of ["a", "b", "c"]) deliver(p, m);
      const onlyD = receiveIn(p, (m) => (m === "d" ? m : undefined), WAIT);
      const onlyC = receiveIn(p, (m) => (m === "c" ? m : undefined), WAIT);
      expect(p.waiterAt(0).scanned).toBe(3);
      expect(await onlyC).toBe("c");
      expect(p.waiterAt(0).scanned).toBe(2);
      expect(removeMessage(p, 0)).toBe("a");
      expect(p.waiterAt(0).scanned).toBe(1);
      deliver(p, "d");
      expect(await onlyD).toBe("d");
      expect(p.mailbox.toArray()).toEqual(["b"]);
    });
  });

  describe("waiters", () => {
    it("serves several waiters oldest first, as one, two or three wait", async () => {
      const p = proc();
      const waits = ["x", "y", "z"].map((want) => receiveIn(p, (m) => (m === want ? m : undefined), WAIT));
      expect(p.waiterCount).toBe(3);
      deliver(p, "y");
      expect(await waits[1]).toBe("y");
      expect(p.waiterCount).toBe(2);
      deliver(p, "z");
      expect(await waits[2]).toBe("z");
      expect(p.waiterCount).toBe(1);
      const again = receiveIn(p, undefined, WAIT);
      expect(p.indexOfWaiter(p.waiterAt(1))).toBe(1);
      deliver(p, "x");
      expect(await waits[0]).toBe("x");
      deliver(p, "w");
      expect(await again).toBe("w");
      expect([p.waiting, p.waiterCount]).toEqual([false, 0]);
    });

    it("rejects every waiter of an Inbox-like process when it exits", async () => {
      const p = proc();
      p.rejectOnExit = true;
      const waits = [receiveIn(p, undefined, WAIT), receiveIn(p, undefined, WAIT)];
      terminate(p, "bye");
      for (const w of waits) await expect(w).rejects.toThrow(ExitError);
      expect(p.waiting).toBe(false);
    });
  });

  describe("OUTSIDE", () => {
    it("is a pid no live process has", () => {
      expect(lookup(OUTSIDE)).toBeUndefined();
    });
  });
});
