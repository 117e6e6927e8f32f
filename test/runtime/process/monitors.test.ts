import { describe, expect, it } from "vitest";
import { NoProcessContextError } from "../../../src/runtime/errors.ts";
import { Global } from "../../../src/runtime/names/global.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { demonitor, monitor } from "../../../src/runtime/process/monitors.ts";
import { register } from "../../../src/runtime/names/names.ts";
import { Registry } from "../../../src/runtime/names/registry.ts";
import { exit } from "../../../src/runtime/process/spawn.ts";
import { outsideProcess, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox, idle } = useProcesses();

describe("monitors", () => {
  describe("monitor", () => {
    it("delivers ['DOWN', ref, 'process', pid, reason] once when the target ends", async () => {
      const box = inbox();
      const pid = idle();
      const ref = await box.run(() => monitor(pid));
      exit(pid, ["shutdown", "bye"]);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, ["shutdown", "bye"]]);
      await expect(box.receive(undefined, 0)).rejects.toThrow(/^receive timed out after 0 ms$/);
    });

    it("gives each monitor its own ref and its own DOWN", async () => {
      const box = inbox();
      const pid = idle();
      const [r1, r2] = await box.run(() => [monitor(pid), monitor(pid)]);
      expect(r1).not.toBe(r2);
      exit(pid, "bye");
      expect([await box.receive(undefined, WAIT), await box.receive(undefined, WAIT)]).toEqual([
        ["DOWN", r1, "process", pid, "bye"],
        ["DOWN", r2, "process", pid, "bye"],
      ]);
    });

    it("resolves names when it is set up", async () => {
      const box = inbox();
      const a = idle();
      const b = idle();
      register("monitors.monitor.a", a);
      Global.registerName(["monitors", "b"], b);
      const ra = await box.run(() => monitor("monitors.monitor.a"));
      const rb = await box.run(() => monitor({ global: ["monitors", "b"] }));
      exit(a, "x");
      exit(b, "y");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ra, "process", a, "x"]);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", rb, "process", b, "y"]);
    });

    it("does not link: the watcher survives an abnormal exit", async () => {
      const box = inbox();
      const pid = idle();
      await box.run(() => monitor(pid));
      exit(pid, "boom");
      await box.receive(undefined, WAIT);
      expect(box.alive).toBe(true);
    });

    it("delivers 'noproc' at once for a dead pid", async () => {
      const box = inbox();
      const gone = new Inbox();
      gone.close();
      const ref = await box.run(() => monitor(gone.pid));
      expect(box.peek()).toEqual([["DOWN", ref, "process", gone.pid, "noproc"]]);
    });

    it("delivers 'noproc' at once, with the name, for an unknown name", async () => {
      const box = inbox();
      const ref = await box.run(() => monitor("monitors.nobody"));
      const gref = await box.run(() => monitor({ global: "monitors.nobody" }));
      expect(box.peek()).toEqual([
        ["DOWN", ref, "process", "monitors.nobody", "noproc"],
        ["DOWN", gref, "process", { global: "monitors.nobody" }, "noproc"],
      ]);
    });

    it("delivers 'noproc' at once for a via name whose registry is not running", async () => {
      const box = inbox();
      const dest = { via: [Registry, ["monitors.no-such-registry", "k"]] } as const;
      const ref = await box.run(() => monitor(dest));
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", dest, "noproc"]);
    });

    it("throws NoProcessContextError outside a process", () => {
      const pid = idle();
      expect(() => monitor(pid)).toThrow(NoProcessContextError);
      expect(() => monitor(pid)).toThrow(outsideProcess("monitor"));
    });
  });

  describe("demonitor", () => {
    it("stops the monitor: no DOWN follows", async () => {
      const box = inbox();
      const pid = idle();
      const keep = await box.run(() => monitor(pid));
      const drop = await box.run(() => monitor(pid));
      await box.run(() => demonitor(drop));
      exit(pid, "bye");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", keep, "process", pid, "bye"]);
      await expect(box.receive(undefined, 0)).rejects.toThrow(/^receive timed out after 0 ms$/);
    });

    it("leaves a DOWN already delivered in the mailbox", async () => {
      const box = inbox();
      const pid = idle();
      const ref = await box.run(() => monitor(pid));
      exit(pid, "bye");
      await box.run(() => demonitor(ref));
      expect(box.peek()).toEqual([["DOWN", ref, "process", pid, "bye"]]);
    });

    it("with { flush: true } removes that DOWN and only that one", async () => {
      const box = inbox();
      const a = idle();
      const b = idle();
      const ra = await box.run(() => monitor(a));
      const rb = await box.run(() => monitor(b));
      exit(a, "x");
      exit(b, "y");
      await box.run(() => demonitor(ra, { flush: true }));
      expect(box.peek()).toEqual([["DOWN", rb, "process", b, "y"]]);
    });

    it("with { flush: true } removes a 'noproc' DOWN", async () => {
      const box = inbox();
      const ref = await box.run(() => monitor("monitors.demonitor.none"));
      await box.run(() => demonitor(ref, { flush: true }));
      expect(box.peek()).toEqual([]);
    });

    it("ignores an unknown ref", async () => {
      const box = inbox();
      const other = inbox();
      const ref = await other.run(() => monitor(idle()));
      await box.run(() => demonitor(ref, { flush: true }));
      expect(box.alive).toBe(true);
    });

    it("throws NoProcessContextError outside a process", async () => {
      const box = inbox();
      const ref = await box.run(() => monitor(idle()));
      expect(() => demonitor(ref)).toThrow(NoProcessContextError);
      expect(() => demonitor(ref)).toThrow(outsideProcess("demonitor"));
    });
  });
});
