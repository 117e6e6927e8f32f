import { describe, expect, it } from "vitest";
import { NoProcessContextError, OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { checkTimeout } from "../../../src/runtime/process/deadlines.ts";
import { exit, self, spawn, spawnMonitor } from "../../../src/runtime/process/spawn.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox } = useProcesses();

/** Runs `body` in a fresh process and resolves what it returned (rejects what it threw). */
async function inProcess<T>(body: () => Promise<T>): Promise<T> {
  const box = inbox();
  const [, ref] = await box.run(() =>
    spawnMonitor(async () => {
      try {
        send(box.pid, ["ok", await body()]);
      } catch (err) {
        send(box.pid, ["error", err]);
      }
    }),
  );
  const [tag, value] = await box.receive((m) => (Array.isArray(m) && m[0] !== "DOWN" ? (m as [string, unknown]) : undefined), WAIT);
  await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), WAIT);
  if (tag === "error") throw value;
  return value as T;
}

describe("receive", () => {
  describe("receive", () => {
    it("takes the oldest message when no matcher is given", async () => {
      const got = await inProcess(async () => {
        const me = self();
        send(me, 1);
        send(me, 2);
        return [await receive(), await receive()];
      });
      expect(got).toEqual([1, 2]);
    });

    it("returns what the matcher returned, and leaves skipped messages queued in order", async () => {
      const got = await inProcess(async () => {
        const me = self();
        for (const m of ["a", 1, "b", 2, "c"]) send(me, m);
        const n = await receive((m) => (typeof m === "number" ? m * 10 : undefined));
        const rest = [await receive(), await receive(), await receive(), await receive()];
        return [n, rest];
      });
      expect(got).toEqual([10, ["a", "b", 2, "c"]]);
    });

    it("waits for a message that arrives later and skips the ones that do not match", async () => {
      const box = inbox();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          const got = await receive((m) => (m === "wanted" ? "yes" : undefined));
          send(box.pid, got);
          send(box.pid, await receive());
        }),
      );
      send(pid, "noise");
      send(pid, "wanted");
      expect(await box.receive(undefined, WAIT)).toBe("yes");
      expect(await box.receive(undefined, WAIT)).toBe("noise");
      expect((await box.receive(undefined, WAIT)) as unknown[]).toEqual(["DOWN", ref, "process", pid, "normal"]);
    });

    it("keeps the messages of one sender in the order they were sent", async () => {
      const box = inbox();
      spawn(() => {
        for (let i = 0; i < 100; i++) send(box.pid, i);
      });
      const got: unknown[] = [];
      for (let i = 0; i < 100; i++) got.push(await box.receive(undefined, WAIT));
      expect(got).toEqual([...Array(100).keys()]);
    });

    it("rejects TimeoutError when nothing matches in time, leaving the mailbox as it was", async () => {
      const err = await inProcess(async () => {
        const me = self();
        send(me, "kept");
        try {
          await receive((m) => (m === "never" ? m : undefined), 5);
          return "no timeout";
        } catch (e) {
          return [e, await receive(undefined, 0)];
        }
      });
      const [timeout, kept] = err as [TimeoutError, unknown];
      expect(timeout).toBeInstanceOf(TimeoutError);
      expect(timeout.message).toMatch(/^receive timed out after 5 ms$/);
      expect(kept).toBe("kept");
    });

    it("with timeout 0 only looks at what is queued", async () => {
      const got = await inProcess(async () => {
        const me = self();
        send(me, "there");
        const first = await receive(undefined, 0);
        const second = await receive(undefined, 0).catch((e: unknown) => e);
        return [first, second];
      });
      const [first, second] = got as [unknown, TimeoutError];
      expect(first).toBe("there");
      expect(second).toBeInstanceOf(TimeoutError);
      expect(second.message).toMatch(/^receive timed out after 0 ms$/);
    });

    it("never resolves synchronously, even with a message queued", async () => {
      const got = await inProcess(async () => {
        const me = self();
        send(me, "x");
        let settled = false;
        const p = receive().then(() => (settled = true));
        const before = settled;
        await p;
        return [before, settled];
      });
      expect(got).toEqual([false, true]);
    });

    it("rejects with what the matcher threw", async () => {
      const box = inbox();
      const [pid] = await box.run(() =>
        spawnMonitor(async () => {
          try {
            await receive(() => {
              throw new Error("bad matcher");
            });
          } catch (err) {
            send(box.pid, (err as Error).message);
          }
        }),
      );
      send(pid, "anything");
      expect(await box.receive((m) => (typeof m === "string" ? m : undefined), WAIT)).toBe("bad matcher");
    });

    it("stops a process that was killed while it waited: its receive never settles", async () => {
      const box = inbox();
      let settled = false;
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          await receive().finally(() => (settled = true));
        }),
      );
      exit(pid, "kill");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "killed"]);
      send(pid, "late");
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
    });

    it("throws NoProcessContextError outside a process", () => {
      expect(() => receive()).toThrow(NoProcessContextError);
      expect(() => receive()).toThrow(/^receive\(\) must run inside a process \(use spawn, an Inbox, or inbox\.run\)$/);
    });

    it("rejects a negative or non-numeric timeout with OptionsError", async () => {
      const box = inbox();
      expect(() => box.receive(undefined, -1)).toThrow(OptionsError);
      expect(() => box.receive(undefined, Number.NaN)).toThrow(
        /^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got NaN$/,
      );
    });
  });

  describe("checkTimeout", () => {
    it("accepts zero, positive numbers and Infinity", () => {
      for (const ms of [0, 1, 1.5, Infinity]) expect(() => checkTimeout(ms)).not.toThrow();
    });

    it("rejects anything else, naming the option", () => {
      expect(() => checkTimeout("5", "ms")).toThrow(OptionsError);
      expect(() => checkTimeout("5", "ms")).toThrow(/^invalid ms: expected a non-negative number of milliseconds or Infinity, got "5"$/);
    });
  });
});
