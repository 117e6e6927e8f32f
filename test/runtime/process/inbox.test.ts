import { describe, expect, it } from "vitest";
import { ExitError, OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, self, spawn, spawnLink } from "../../../src/runtime/process/spawn.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox } = useProcesses();

class Idle extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
}

function exitPattern(pid: Pid, reason: string): RegExp {
  return new RegExp(`^#PID<0\\.${pid.id}\\.0> exited with reason ${reason}$`);
}

describe("inbox", () => {
  describe("constructor", () => {
    it("creates a live process with a pid", () => {
      const box = inbox();
      expect(isAlive(box.pid)).toBe(true);
      expect(box.alive).toBe(true);
      expect(box.peek()).toEqual([]);
    });

    it("throws OptionsError for options that are not an object", () => {
      expect(() => new Inbox(null as never)).toThrow(OptionsError);
      expect(() => new Inbox(null as never)).toThrow(/^invalid options: expected \{ trapExit\?: boolean \}, got null$/);
    });

    it("throws OptionsError for a trapExit that is not a boolean", () => {
      expect(() => new Inbox({ trapExit: "yes" as never })).toThrow(OptionsError);
      expect(() => new Inbox({ trapExit: "yes" as never })).toThrow(/^invalid trapExit: expected a boolean, got "yes"$/);
    });
  });

  describe("receive", () => {
    it("takes messages in order, selectively", async () => {
      const box = inbox();
      for (const m of [1, "a", 2, "b"]) send(box.pid, m);
      expect(await box.receive((m) => (typeof m === "string" ? m : undefined), WAIT)).toBe("a");
      expect(box.peek()).toEqual([1, 2, "b"]);
      expect(await box.receive(undefined, WAIT)).toBe(1);
    });

    it("serves concurrent receives oldest first, each with its own matcher", async () => {
      const box = inbox();
      const anyA = box.receive(undefined, WAIT);
      const onlyB = box.receive((m) => (m === "b" ? "got b" : undefined), WAIT);
      const anyC = box.receive(undefined, WAIT);
      send(box.pid, "b");
      send(box.pid, "x");
      send(box.pid, "b");
      expect(await Promise.all([anyA, onlyB, anyC])).toEqual(["b", "got b", "x"]);
    });

    it("rejects TimeoutError when nothing matches in time", async () => {
      const box = inbox();
      send(box.pid, "other");
      const err = await box.receive((m) => (m === "never" ? m : undefined), 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^receive timed out after 5 ms$/);
      expect(box.peek()).toEqual(["other"]);
    });

    it("rejects (does not throw) with what the matcher threw, whether the message was queued or not", async () => {
      const box = inbox();
      const bad = (): never => {
        throw new Error("bad matcher");
      };
      const later = box.receive(bad, WAIT);
      send(box.pid, 1);
      await expect(later).rejects.toThrow(/^bad matcher$/);
      let queued: Promise<unknown> | undefined;
      expect(() => (queued = box.receive(bad, WAIT))).not.toThrow();
      await expect(queued).rejects.toThrow(/^bad matcher$/);
    });

    it("rejects ExitError with the reason when the inbox is closed while waiting", async () => {
      const box = new Inbox();
      const pending = box.receive(undefined, WAIT);
      box.close("bye");
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("bye");
      expect((err as Error).message).toMatch(exitPattern(box.pid, '"bye"'));
    });

    it("rejects ExitError for a receive after close", async () => {
      const box = new Inbox();
      box.close();
      await expect(box.receive()).rejects.toThrow(ExitError);
      await expect(box.receive()).rejects.toThrow(exitPattern(box.pid, '"normal"'));
    });

    it("rejects a pending receive with ExitError when killed through a link", async () => {
      const box = new Inbox();
      const pid = await box.run(() => spawnLink(() => receive()));
      const pending = box.receive(undefined, WAIT);
      exit(pid, "boom");
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("boom");
      expect(box.alive).toBe(false);
    });

    it("rejects ExitError 'killed' when killed", async () => {
      const box = new Inbox({ trapExit: true });
      const pending = box.receive(undefined, WAIT);
      exit(box.pid, "kill");
      await expect(pending).rejects.toThrow(exitPattern(box.pid, '"killed"'));
    });
  });

  describe("run", () => {
    it("runs fn as the inbox's process and returns its result", async () => {
      const box = inbox();
      expect(await box.run(() => self())).toBe(box.pid);
      expect(
        await box.run(async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return self();
        }),
      ).toBe(box.pid);
    });

    it("rejects with what fn threw, leaving the inbox alive", async () => {
      const box = inbox();
      await expect(
        box.run(() => {
          throw new Error("inside");
        }),
      ).rejects.toThrow(/^inside$/);
      expect(box.alive).toBe(true);
    });

    it("links spawnLink children to the inbox", async () => {
      const box = inbox(true);
      const pid = await box.run(() =>
        spawnLink(() => {
          throw "child died";
        }),
      );
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "child died"]);
    });

    it("links startLink servers to the inbox", async () => {
      const box = inbox(true);
      const pid = await box.run(() => Idle.startLink());
      exit(pid, "bye");
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "bye"]);
    });

    it("delivers monitors made inside to the inbox", async () => {
      const box = inbox();
      const pid = spawn(() => receive());
      const ref = await box.run(() => monitor(pid));
      send(pid, "go");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "normal"]);
    });
  });

  describe("peek", () => {
    it("returns a copy of the queued messages", () => {
      const box = inbox();
      send(box.pid, 1);
      const seen = box.peek();
      seen.push(2);
      expect(box.peek()).toEqual([1]);
    });
  });

  describe("close", () => {
    it("ends the process with 'normal' by default: links are not taken down", async () => {
      const watcher = inbox();
      const box = new Inbox();
      const child = await box.run(() => spawnLink(() => receive()));
      const ref = await watcher.run(() => monitor(box.pid));
      box.close();
      expect(await watcher.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", box.pid, "normal"]);
      expect(isAlive(child)).toBe(true);
      exit(child, "kill");
    });

    it("sends an abnormal reason along its links", async () => {
      const watcher = inbox();
      const box = new Inbox();
      const child = await box.run(() => spawnLink(() => receive()));
      const ref = await watcher.run(() => monitor(child));
      box.close("shutdown");
      expect(await watcher.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", child, "shutdown"]);
    });

    it("does nothing the second time", () => {
      const box = new Inbox();
      box.close("first");
      box.close("second");
      expect(box.alive).toBe(false);
    });
  });
});
