import { describe, expect, it } from "vitest";
import {
  AlreadyRegisteredError,
  BadReturnError,
  ExitError,
  NoProcError,
  NoProcessContextError,
  OptionsError,
  ParleyError,
  StartError,
  TimeoutError,
} from "../../src/runtime/errors.ts";
import { Pid } from "../../src/runtime/process/pid.ts";

const pid = new Pid(9);

describe("errors", () => {
  describe("NoProcError", () => {
    it("names the destination", () => {
      const err = new NoProcError(["feed", 1]);
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe("NoProcError");
      expect(err.dest).toEqual(["feed", 1]);
      expect(err.message).toMatch(/^no process is registered under \["feed", 1\]$/);
      expect(new NoProcError(pid, "no process is alive at").message).toMatch(/^no process is alive at #PID<0\.9\.0>$/);
    });
  });

  describe("NoProcessContextError", () => {
    it("names the operation", () => {
      const err = new NoProcessContextError("self");
      expect(err.name).toBe("NoProcessContextError");
      expect(err.operation).toBe("self");
      expect(err.message).toMatch(/^self\(\) must run inside a process \(use spawn, an Inbox, or inbox\.run\)$/);
    });
  });

  describe("TimeoutError", () => {
    it("names the operation, the target and the time", () => {
      expect(new TimeoutError(5).message).toMatch(/^receive timed out after 5 ms$/);
      const err = new TimeoutError(100, "call", pid);
      expect(err.name).toBe("TimeoutError");
      expect([err.timeoutMs, err.operation, err.dest]).toEqual([100, "call", pid]);
      expect(err.message).toMatch(/^call to #PID<0\.9\.0> timed out after 100 ms$/);
    });
  });

  describe("ExitError", () => {
    it("carries the reason", () => {
      const err = new ExitError(["shutdown", 1], "srv");
      expect(err.name).toBe("ExitError");
      expect(err.reason).toEqual(["shutdown", 1]);
      expect(err.message).toMatch(/^"srv" exited with reason \["shutdown", 1\]$/);
      expect(new ExitError("killed").message).toMatch(/^process exited with reason "killed"$/);
    });
  });

  describe("StartError", () => {
    it("carries the reason and an optional cause", () => {
      const cause = new Error("inner");
      const err = new StartError(cause, { cause });
      expect(err.name).toBe("StartError");
      expect(err.reason).toBe(cause);
      expect(err.cause).toBe(cause);
      expect(err.message).toMatch(/^start failed: Error: inner$/);
      expect(new StartError(["already_started", pid]).message).toMatch(/^start failed: \["already_started", #PID<0\.9\.0>\]$/);
    });
  });

  describe("AlreadyRegisteredError", () => {
    it("names the name and its holder", () => {
      const err = new AlreadyRegisteredError("counter", pid);
      expect(err.name).toBe("AlreadyRegisteredError");
      expect([err.registeredName, err.pid]).toEqual(["counter", pid]);
      expect(err.message).toMatch(/^name "counter" is already registered to #PID<0\.9\.0>$/);
    });
  });

  describe("OptionsError", () => {
    it("lists the accepted forms and the value given", () => {
      const err = new OptionsError("timeout", -1, "a non-negative number");
      expect(err.name).toBe("OptionsError");
      expect([err.option, err.value, err.expected]).toEqual(["timeout", -1, "a non-negative number"]);
      expect(err.message).toMatch(/^invalid timeout: expected a non-negative number, got -1$/);
    });
  });

  describe("BadReturnError", () => {
    it("names the callback and the value", () => {
      const err = new BadReturnError("handleCall", ["rep", 1]);
      expect(err.name).toBe("BadReturnError");
      expect([err.callback, err.value]).toEqual(["handleCall", ["rep", 1]]);
      expect(err.message).toMatch(/^bad return value from handleCall: \["rep", 1\]$/);
    });
  });

  describe("ParleyError", () => {
    it("trims the constructor's own frame from the stack", () => {
      const err = new TimeoutError(1);
      expect(err.stack).toMatch(/^TimeoutError: receive timed out after 1 ms\n/);
      expect(err.stack).not.toMatch(/at new TimeoutError/);
    });
  });
});
