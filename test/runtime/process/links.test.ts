import { describe, expect, it } from "vitest";
import { NoProcessContextError, OptionsError } from "../../../src/runtime/errors.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { link, unlink } from "../../../src/runtime/process/links.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, spawn, spawnMonitor } from "../../../src/runtime/process/spawn.ts";
import { downMessage, outsideProcess, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox, killAfterTest, idle } = useProcesses();

describe("links", () => {
  describe("link", () => {
    it("propagates an abnormal exit to a process that does not trap exits, and on along its links", async () => {
      const watcher = inbox();
      const a = idle();
      const b = idle();
      const middle = spawn(async () => {
        link(a);
        link(b);
        send(watcher.pid, "linked");
        await receive(() => undefined);
      });
      killAfterTest(middle);
      const refM = await watcher.run(() => monitor(middle));
      const refB = await watcher.run(() => monitor(b));
      await watcher.receive((m) => (m === "linked" ? m : undefined), WAIT);
      exit(a, "boom");
      expect(await downMessage(watcher, refM)).toEqual(["DOWN", refM, "process", middle, "boom"]);
      expect(await downMessage(watcher, refB)).toEqual(["DOWN", refB, "process", b, "boom"]);
    });

    it("does not propagate a normal exit", async () => {
      const box = inbox();
      const child = spawn(async () => {
        link(box.pid);
        send(box.pid, "linked");
        await receive();
      });
      const ref = await box.run(() => monitor(child));
      await box.receive((m) => (m === "linked" ? m : undefined), WAIT);
      send(child, "finish");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", child, "normal"]);
      expect(box.alive).toBe(true);
    });

    it("delivers ['EXIT', pid, reason] to a process that traps exits, normal included", async () => {
      const box = inbox(true);
      const a = spawn(async () => {
        link(box.pid);
        send(box.pid, "linked");
        await receive();
        throw "crash";
      });
      const b = spawn(async () => {
        link(box.pid);
        send(box.pid, "linked");
        await receive();
      });
      expect([await box.receive(undefined, WAIT), await box.receive(undefined, WAIT)]).toEqual(["linked", "linked"]);
      send(a, "go");
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", a, "crash"]);
      send(b, "go");
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", b, "normal"]);
      expect(box.alive).toBe(true);
    });

    it("works in both directions", async () => {
      const box = inbox(true);
      const child = spawn(async () => {
        link(box.pid);
        send(box.pid, "linked");
        await receive();
      });
      const watcher = inbox();
      const ref = await watcher.run(() => monitor(child));
      await box.receive(undefined, WAIT);
      box.close("going");
      expect(await downMessage(watcher, ref)).toEqual(["DOWN", ref, "process", child, "going"]);
    });

    it("does nothing when linking to itself", async () => {
      const box = inbox(true);
      await box.run(() => link(box.pid));
      box.close("x");
      expect(box.alive).toBe(false);
    });

    it("sends the caller 'noproc' for a dead pid: a message when it traps exits", async () => {
      const box = inbox(true);
      const [pid] = await box.run(() => spawnMonitor(() => undefined));
      await box.receive(undefined, WAIT);
      await box.run(() => link(pid));
      expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, "noproc"]);
    });

    it("ends a caller that does not trap exits with 'noproc' for a dead pid", async () => {
      const box = inbox();
      const gone = new Inbox();
      gone.close();
      const [pid, ref] = await box.run(() =>
        spawnMonitor(async () => {
          link(gone.pid);
          await receive();
        }),
      );
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, "noproc"]);
    });

    it("throws NoProcessContextError outside a process", () => {
      const box = inbox();
      expect(() => link(box.pid)).toThrow(NoProcessContextError);
      expect(() => link(box.pid)).toThrow(outsideProcess("link"));
    });

    it("throws OptionsError for something that is not a Pid", async () => {
      const box = inbox();
      await expect(box.run(() => link("x" as never))).rejects.toThrow(OptionsError);
      await expect(box.run(() => link("x" as never))).rejects.toThrow(/^invalid pid: expected a Pid, got "x"$/);
    });
  });

  describe("unlink", () => {
    it("removes the link so an abnormal exit no longer propagates", async () => {
      const box = inbox();
      const child = idle();
      await box.run(() => {
        link(child);
        unlink(child);
      });
      const ref = await box.run(() => monitor(child));
      exit(child, "boom");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", child, "boom"]);
      expect(box.alive).toBe(true);
    });

    it("removes the link from the other side as well", async () => {
      const box = inbox(true);
      const child = idle();
      await box.run(() => {
        link(child);
        unlink(child);
      });
      box.close("bye");
      expect(isAlive(child)).toBe(true);
    });

    it("does nothing for a dead pid or a pid it is not linked to", async () => {
      const box = inbox();
      const other = idle();
      const gone = new Inbox();
      gone.close();
      await box.run(() => {
        unlink(other);
        unlink(gone.pid);
        unlink("x" as never);
      });
      expect(box.alive).toBe(true);
    });

    it("throws NoProcessContextError outside a process", () => {
      const box = inbox();
      expect(() => unlink(box.pid)).toThrow(NoProcessContextError);
      expect(() => unlink(box.pid)).toThrow(outsideProcess("unlink"));
    });
  });
});
