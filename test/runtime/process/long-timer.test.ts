import { afterEach, describe, expect, it, vi } from "vitest";
import { startTimer } from "../../../src/runtime/process/long-timer.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("long-timer", () => {
  describe("startTimer", () => {
    it("calls fn(arg) once after the delay", async () => {
      const got = await new Promise((resolve) => startTimer(1, resolve, "arg"));
      expect(got).toBe("arg");
    });

    it("does not call fn once cancelled", () => {
      vi.useFakeTimers();
      const fn = vi.fn();
      startTimer(10, fn, 1).cancel();
      vi.advanceTimersByTime(20);
      expect(fn).not.toHaveBeenCalled();
    });

    it("waits the whole of a delay beyond setTimeout's 2^31-1 ms limit", () => {
      vi.useFakeTimers();
      const fn = vi.fn();
      const max = 2_147_483_647;
      const timer = startTimer(max + 1000, fn, "late");
      vi.advanceTimersByTime(max);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(999);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledWith("late");
      timer.cancel();
    });

    it("can be cancelled during a later step of a long delay", () => {
      vi.useFakeTimers();
      const fn = vi.fn();
      const timer = startTimer(2_147_483_647 + 1000, fn, 0);
      vi.advanceTimersByTime(2_147_483_647 + 10);
      timer.cancel();
      vi.advanceTimersByTime(2000);
      expect(fn).not.toHaveBeenCalled();
    });
  });
});
