import { describe, expect, it } from "vitest";
import { OptionsError } from "../../../src/runtime/errors.ts";
import { Global } from "../../../src/runtime/names/global.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { register } from "../../../src/runtime/names/names.ts";
import { cancelTimer, sendAfter } from "../../../src/runtime/process/timers.ts";
import { useProcesses, WAIT } from "../../helpers/runtime.ts";

const { inbox } = useProcesses();

describe("timers", () => {
  describe("sendAfter", () => {
    it("delivers the message after the delay, not before", async () => {
      const box = inbox();
      const ref = sendAfter(box.pid, ["tick", 1], 20);
      expect(String(ref)).toMatch(/^#TimerRef<\d+>$/);
      expect(box.peek()).toEqual([]);
      expect(await box.receive(undefined, WAIT)).toEqual(["tick", 1]);
    });

    it("delivers in deadline order", async () => {
      const box = inbox();
      sendAfter(box.pid, "late", 15);
      sendAfter(box.pid, "early", 1);
      expect([await box.receive(undefined, WAIT), await box.receive(undefined, WAIT)]).toEqual(["early", "late"]);
    });

    it("with 0 ms delivers on a later turn", async () => {
      const box = inbox();
      sendAfter(box.pid, "now", 0);
      expect(box.peek()).toEqual([]);
      expect(await box.receive(undefined, WAIT)).toBe("now");
    });

    it("looks a name up when the timer fires", async () => {
      const box = inbox();
      sendAfter("timers.later", "found", 5);
      register("timers.later", box.pid);
      sendAfter({ global: ["timers", "g"] }, "global", 5);
      Global.registerName(["timers", "g"], box.pid);
      expect(await box.receive(undefined, WAIT)).toBe("found");
      expect(await box.receive(undefined, WAIT)).toBe("global");
    });

    it("drops the message when nobody holds the name as it fires", async () => {
      const box = inbox();
      sendAfter("timers.nobody", "lost", 1);
      sendAfter(box.pid, "after", 10);
      expect(await box.receive(undefined, WAIT)).toBe("after");
    });

    it("is cancelled when the target pid exits", () => {
      const box = new Inbox();
      const ref = sendAfter(box.pid, "never", 10_000);
      box.close();
      expect(cancelTimer(ref)).toBe(false);
    });

    it("returns a ref that is already spent for a dead pid", () => {
      const gone = new Inbox();
      gone.close();
      const ref = sendAfter(gone.pid, "never", 10);
      expect(cancelTimer(ref)).toBe(false);
    });

    it("throws OptionsError for a negative or non-numeric delay", () => {
      const box = inbox();
      expect(() => sendAfter(box.pid, 1, -5)).toThrow(OptionsError);
      expect(() => sendAfter(box.pid, 1, -5)).toThrow(/^invalid ms: expected a non-negative number of milliseconds or Infinity, got -5$/);
      expect(() => sendAfter(box.pid, 1, "5" as never)).toThrow(OptionsError);
    });

    it("throws OptionsError for an infinite delay", () => {
      const box = inbox();
      expect(() => sendAfter(box.pid, 1, Infinity)).toThrow(OptionsError);
      expect(() => sendAfter(box.pid, 1, Infinity)).toThrow(/^invalid ms: expected a finite number of milliseconds, got Infinity$/);
    });
  });

  describe("cancelTimer", () => {
    it("returns the milliseconds left and stops the delivery", async () => {
      const box = inbox();
      const ref = sendAfter(box.pid, "cancelled", 5000);
      sendAfter(box.pid, "other", 5);
      const left = cancelTimer(ref);
      expect(left).toBeGreaterThan(4900);
      expect(left).toBeLessThanOrEqual(5000);
      expect(await box.receive(undefined, WAIT)).toBe("other");
      expect(box.peek()).toEqual([]);
    });

    it("returns false once the timer fired", async () => {
      const box = inbox();
      const ref = sendAfter(box.pid, "fired", 1);
      await box.receive(undefined, WAIT);
      expect(cancelTimer(ref)).toBe(false);
    });

    it("returns false the second time", () => {
      const box = inbox();
      const ref = sendAfter(box.pid, "x", 1000);
      expect(cancelTimer(ref)).not.toBe(false);
      expect(cancelTimer(ref)).toBe(false);
    });
  });
});
