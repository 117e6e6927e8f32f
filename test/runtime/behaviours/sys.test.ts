import { describe, expect, it } from "vitest";
import { BadReturnError, NoProcError, OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import { call, type From, SystemRequest } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { GenStatem } from "../../../src/runtime/behaviours/gen-statem.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { isAlive, spawn } from "../../../src/runtime/process/spawn.ts";
import type { EventType, StatemResult } from "../../../src/runtime/behaviours/statem-actions.ts";
import { sys } from "../../../src/runtime/behaviours/sys.ts";
import { useLogCapture, useProcesses } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { killAfterTest } = useProcesses();

interface Count {
  n: number;
  password?: string;
}

class Counter extends GenServer<Count> {
  override init(n: number) {
    return ["ok", { n }] as const;
  }
  override handleCall(req: unknown, _from: From, s: Count) {
    if (req === "get") return ["reply", s.n, s] as const;
    return ["reply", req, s] as const;
  }
  override handleCast(msg: unknown, s: Count) {
    if (msg === "inc") return ["noreply", { ...s, n: s.n + 1 }] as const;
    return ["noreply", s] as const;
  }
  override handleInfo(_msg: unknown, s: Count) {
    return ["noreply", s] as const;
  }
}

class Light extends GenStatem<"off" | "on", number> {
  override init() {
    return ["ok", "off", 0] as const;
  }
  override handleEvent(type: EventType, _content: unknown, state: "off" | "on", flips: number): StatemResult<"off" | "on", number> {
    if (type === "cast") return ["next_state", state === "off" ? "on" : "off", flips + 1];
    if (Array.isArray(type) && type[0] === "call") return ["keep_state_and_data", [["reply", type[1], state]]];
    return ["keep_state_and_data"];
  }
}

async function counter(n = 0, name?: string): Promise<Pid> {
  const pid = await Counter.start(n, name === undefined ? undefined : { name });
  killAfterTest(pid);
  return pid;
}

async function light(): Promise<Pid> {
  const pid = await Light.start();
  killAfterTest(pid);
  return pid;
}

describe("sys", () => {
  describe("getState", () => {
    it("returns a GenServer's state", async () => {
      const pid = await counter(3);
      GenServer.cast(pid, "inc");
      expect(await sys.getState(pid)).toEqual({ n: 4 });
    });

    it("returns [state, data] for a GenStatem", async () => {
      const pid = await light();
      GenStatem.cast(pid, "flip");
      expect(await sys.getState(pid)).toEqual(["on", 1]);
    });

    it("accepts a name", async () => {
      await counter(5, "sys.named");
      expect(await sys.getState("sys.named")).toEqual({ n: 5 });
    });

    it("rejects NoProcError for an unknown name", async () => {
      await expect(sys.getState("sys.nobody")).rejects.toThrow(NoProcError);
      await expect(sys.getState("sys.nobody")).rejects.toThrow(/^no process is registered under "sys\.nobody"$/);
    });

    it("rejects TimeoutError for a process that is not a behaviour", async () => {
      const pid = spawn(() => receive(() => undefined));
      killAfterTest(pid);
      await expect(sys.getState(pid, 10)).rejects.toThrow(TimeoutError);
      await expect(sys.getState(pid, 10)).rejects.toThrow(new RegExp(`^call to #PID<0\\.${pid.id}\\.0> timed out after 10 ms$`));
    });
  });

  describe("replaceState", () => {
    it("replaces the state with fn(state) and returns it", async () => {
      const pid = await counter(1);
      expect(await sys.replaceState<Count>(pid, (s) => ({ n: s.n + 10 }))).toEqual({ n: 11 });
      expect(await GenServer.call(pid, "get")).toBe(11);
    });

    it("replaces a GenStatem's state and data together", async () => {
      const pid = await light();
      await sys.replaceState<[string, number]>(pid, () => ["on", 41]);
      expect(await GenStatem.call(pid, "state?")).toBe("on");
      GenStatem.cast(pid, "flip");
      expect(await sys.getState(pid)).toEqual(["off", 42]);
    });

    it("rejects what fn threw and leaves the server and its state alone", async () => {
      const pid = await counter(2);
      await expect(
        sys.replaceState(pid, () => {
          throw new Error("no way");
        }),
      ).rejects.toThrow(/^no way$/);
      expect(isAlive(pid)).toBe(true);
      expect(await sys.getState(pid)).toEqual({ n: 2 });
    });

    it("rejects BadReturnError for a GenStatem value that is not [state, data]", async () => {
      const pid = await light();
      const err = await sys.replaceState(pid, () => "on").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadReturnError);
      expect((err as Error).message).toMatch(/^bad return value from sys\.replaceState: "on"$/);
      expect(await sys.getState(pid)).toEqual(["off", 0]);
    });
  });

  describe("getStatus", () => {
    it("describes a GenServer: pid, name, status, module, no state name, data", async () => {
      const pid = await counter(7, "sys.status");
      expect(await sys.getStatus(pid)).toEqual({
        pid,
        name: "sys.status",
        status: "running",
        module: Counter,
        state: undefined,
        data: { n: 7 },
      });
    });

    it("describes a GenStatem with its state name", async () => {
      const pid = await light();
      GenStatem.cast(pid, "flip");
      expect(await sys.getStatus(pid)).toEqual({ pid, name: undefined, status: "running", module: Light, state: "on", data: 1 });
    });

    it("says 'suspended' while suspended", async () => {
      const pid = await counter();
      await sys.suspend(pid);
      expect((await sys.getStatus(pid)).status).toBe("suspended");
      await sys.resume(pid);
      expect((await sys.getStatus(pid)).status).toBe("running");
    });
  });

  describe("suspend", () => {
    it("holds calls, casts and messages until resume, then handles them in order", async () => {
      const pid = await counter();
      await sys.suspend(pid);
      let answered = false;
      const pending = GenServer.call(pid, "get").then((v) => {
        answered = true;
        return v;
      });
      GenServer.cast(pid, "inc");
      send(pid, "info");
      expect(await sys.getState(pid)).toEqual({ n: 0 });
      expect(answered).toBe(false);
      await sys.resume(pid);
      expect(await pending).toBe(0);
      expect(await GenServer.call(pid, "get")).toBe(1);
    });

    it("holds a GenStatem's events", async () => {
      const pid = await light();
      await sys.suspend(pid);
      GenStatem.cast(pid, "flip");
      expect(await sys.getState(pid)).toEqual(["off", 0]);
      await sys.resume(pid);
      expect(await sys.getState(pid)).toEqual(["on", 1]);
    });

    it("does not stop GenServer.stop", async () => {
      const pid = await counter();
      await sys.suspend(pid);
      await GenServer.stop(pid);
      expect(isAlive(pid)).toBe(false);
    });

    it("rejects NoProcError for a dead pid", async () => {
      const pid = await counter();
      await GenServer.stop(pid);
      await expect(sys.suspend(pid)).rejects.toThrow(NoProcError);
      await expect(sys.resume(pid)).rejects.toThrow(NoProcError);
    });
  });

  describe("trace", () => {
    it("logs every event at info level while on, and nothing once off", async () => {
      const pid = await counter();
      await sys.trace(pid, true);
      GenServer.cast(pid, "inc");
      await GenServer.call(pid, "get");
      const traced = logs.lines.filter((l) => l.msg === "sys trace: event");
      expect(traced).toHaveLength(2);
      expect(traced[0]).toMatchObject({ level: 30, process: String(pid), event: expect.stringContaining('"inc"') });
      expect(traced[1]).toMatchObject({ event: expect.stringContaining('"get"') });
      await sys.trace(pid, false);
      GenServer.cast(pid, "inc");
      await GenServer.call(pid, "get");
      expect(logs.lines.filter((l) => l.msg === "sys trace: event")).toHaveLength(2);
    });

    it("shows a cast taken from a busy mailbox (queued bare) as a cast", async () => {
      const pid = await counter();
      await sys.trace(pid, true);
      GenServer.cast(pid, "inc");
      GenServer.cast(pid, { password: "bare-secret", note: "second" });
      await GenServer.call(pid, "get");
      const traced = logs.lines.filter((l) => l.msg === "sys trace: event").map((l) => l["event"]);
      expect(traced).toEqual(['["cast", "inc"]', '["cast", {password: "[redacted]", note: "second"}]', expect.stringContaining('"get"')]);
    });

    it("redacts secrets in the events it logs", async () => {
      const pid = await counter();
      await sys.trace(pid, true);
      await GenServer.call(pid, { password: "trace-secret", user: "bob" });
      send(pid, { token: "info-secret" });
      await sys.getState(pid);
      const traced = logs.lines.filter((l) => l.msg === "sys trace: event");
      expect(traced).toHaveLength(2);
      expect(traced[0]!["event"]).toMatch(/password: "\[redacted\]", user: "bob"/);
      expect(JSON.stringify(logs.lines)).not.toMatch(/trace-secret|info-secret/);
    });
  });

  describe("statistics", () => {
    it("counts messages in and replies out while on", async () => {
      const pid = await counter();
      expect(await sys.statistics(pid, "get")).toBe(false);
      expect(await sys.statistics(pid, true)).toBeUndefined();
      GenServer.cast(pid, "inc");
      await GenServer.call(pid, "get");
      await GenServer.call(pid, "get");
      const stats = await sys.statistics(pid, "get");
      expect(stats).toEqual({ startTime: expect.any(Number), currentTime: expect.any(Number), messagesIn: 3, messagesOut: 2 });
      const { startTime, currentTime } = stats as { startTime: number; currentTime: number };
      expect(currentTime).toBeGreaterThanOrEqual(startTime);
      expect(await sys.statistics(pid, false)).toBeUndefined();
      expect(await sys.statistics(pid, "get")).toBe(false);
    });

    it("counts a GenStatem's reply actions", async () => {
      const pid = await light();
      await sys.statistics(pid, true);
      await GenStatem.call(pid, "state?");
      expect(await sys.statistics(pid, "get")).toMatchObject({ messagesIn: 1, messagesOut: 1 });
    });
  });

  describe("system requests", () => {
    it("reject OptionsError for an unknown request, and the server lives on", async () => {
      const pid = await counter();
      const answer = (await call(pid, ["dance"], 1000, SystemRequest)) as readonly [string, unknown];
      expect(answer[0]).toBe("error");
      expect(answer[1]).toBeInstanceOf(OptionsError);
      expect((answer[1] as Error).message).toMatch(
        /^invalid system request: expected get_state, replace_state, get_status, suspend, resume, trace or statistics, got \["dance"\]$/,
      );
      expect(isAlive(pid)).toBe(true);
    });

    it("are served in mailbox order, after the messages sent before them", async () => {
      const pid = await counter();
      for (let i = 0; i < 100; i++) GenServer.cast(pid, "inc");
      expect(await sys.getState(pid)).toEqual({ n: 100 });
    });
  });
});
