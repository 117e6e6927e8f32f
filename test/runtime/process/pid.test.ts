import { describe, expect, it } from "vitest";
import { isPid, isRef, makePid, makeRef, makeTimerRef, Pid, Ref, TimerRef } from "../../../src/runtime/process/pid.ts";

describe("pid", () => {
  describe("Pid", () => {
    it("prints like Elixir, in strings and JSON", () => {
      const pid = new Pid(42);
      expect(String(pid)).toBe("#PID<0.42.0>");
      expect(JSON.stringify({ pid })).toBe('{"pid":"#PID<0.42.0>"}');
      expect(Object.prototype.toString.call(pid)).toBe("[object Pid]");
    });
  });

  describe("Ref", () => {
    it("prints as #Reference<N>", () => {
      expect(String(new Ref(7))).toBe("#Reference<7>");
      expect(JSON.stringify(new Ref(7))).toBe('"#Reference<7>"');
      expect(Object.prototype.toString.call(new Ref(7))).toBe("[object Ref]");
    });
  });

  describe("TimerRef", () => {
    it("prints as #TimerRef<N>", () => {
      expect(String(new TimerRef(3))).toBe("#TimerRef<3>");
      expect(JSON.stringify(new TimerRef(3))).toBe('"#TimerRef<3>"');
    });
  });

  describe("makePid / makeRef / makeTimerRef", () => {
    it("make distinct identifiers every time", () => {
      expect(makePid().id).not.toBe(makePid().id);
      expect(makeRef().id).not.toBe(makeRef().id);
      expect(makeTimerRef().id).not.toBe(makeRef().id);
    });
  });

  describe("isPid", () => {
    it("is true only for a Pid", () => {
      expect(isPid(makePid())).toBe(true);
      for (const v of [makeRef(), makeTimerRef(), "#PID<0.1.0>", { id: 1 }, null]) expect(isPid(v)).toBe(false);
    });
  });

  describe("isRef", () => {
    it("is true only for a Ref", () => {
      expect(isRef(makeRef())).toBe(true);
      for (const v of [makePid(), makeTimerRef(), "#Reference<1>", undefined]) expect(isRef(v)).toBe(false);
    });
  });
});
