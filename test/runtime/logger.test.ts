import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import { GenStatem } from "../../src/runtime/behaviours/gen-statem.ts";
import { getLogger, isNormalReason, redact, reportCrash, setLogger } from "../../src/runtime/logger.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import { send } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import type { EventType, StatemResult } from "../../src/runtime/behaviours/statem-actions.ts";
import { useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";
import { describeRun, runExample } from "../helpers/run-example.ts";
import { trapExit } from "../../src/runtime/process/spawn.ts";

const logs = useLogCapture();
const { inbox } = useProcesses();

class Vault extends GenServer<Record<string, unknown>> {
  override init(state: Record<string, unknown>) {
    return ["ok", state] as const;
  }
  override handleCall(req: unknown, _from: From, s: Record<string, unknown>) {
    if (Array.isArray(req) && req[0] === "crash") throw new Error("vault crashed");
    if (Array.isArray(req) && req[0] === "stop") return ["stop", req[1], "ok", s] as const;
    return ["reply", req, s] as const;
  }
  override handleCast(msg: unknown): never {
    throw new Error(`cast crashed: ${typeof msg}`);
  }
}

/** Takes "fine"; anything else crashes it, throws, stops or rejects as the message says. */
class Picky extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
  override handleCast(msg: { how: string } | "fine", s: null) {
    if (msg === "fine") return ["noreply", s] as const;
    if (msg.how === "stop") return ["stop", "picky stopped", s] as const;
    if (msg.how === "reject") return Promise.reject(new Error("picky rejected"));
    throw new Error("picky crashed");
  }
}

/** The same as a state machine. */
class PickyStatem extends GenStatem<"on", null> {
  override init() {
    return ["ok", "on", null] as const;
  }
  override handleEvent(type: EventType, content: unknown): StatemResult<"on", null> {
    if (type === "enter" || content === "fine") return ["keep_state_and_data"];
    throw new Error("picky statem crashed");
  }
}

class Lock extends GenStatem<string, Record<string, unknown>> {
  override init(data: Record<string, unknown>) {
    return ["ok", "locked", data] as const;
  }
  override handleEvent(type: EventType, content: unknown): StatemResult<string, Record<string, unknown>> {
    if (type === "enter") return ["keep_state_and_data"];
    throw new Error(`lock crashed on ${JSON.stringify(Object.keys(content as object))}`);
  }
}

async function waitDown(pid: Pid): Promise<unknown> {
  const box = inbox();
  const ref = await box.run(() => monitor(pid));
  return box.receive((m) => (Array.isArray(m) && m[1] === ref ? m[4] : undefined), WAIT);
}

describe("logger", () => {
  describe("setLogger", () => {
    it("replaces the logger that getLogger returns", () => {
      const before = getLogger();
      const lines: string[] = [];
      const mine = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
      setLogger(mine);
      expect(getLogger()).toBe(mine);
      getLogger().info("hello");
      setLogger(before);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "hello" });
    });
  });

  describe("redact", () => {
    it("replaces the values of secret-looking keys, at any depth, without touching the input", () => {
      const input = {
        user: "bob",
        password: "p",
        Authorization: "Bearer x",
        nested: { apiKey: "k", api_key: "k2", token: "t", list: [{ secret: 1, ok: 2 }] },
        cookie: "c",
        sessionId: "s",
        privateKey: "pk",
        credentials: { a: 1 },
      };
      const copy = structuredClone(input);
      expect(redact(input)).toEqual({
        user: "bob",
        password: "[redacted]",
        Authorization: "[redacted]",
        nested: { apiKey: "[redacted]", api_key: "[redacted]", token: "[redacted]", list: [{ secret: "[redacted]", ok: 2 }] },
        cookie: "[redacted]",
        sessionId: "[redacted]",
        privateKey: "[redacted]",
        credentials: "[redacted]",
      });
      expect(input).toEqual(copy);
    });

    it("leaves scalars, class instances and deep levels beyond the bound alone", () => {
      const date = new Date(0);
      expect(redact(5)).toBe(5);
      expect(redact(null)).toBe(null);
      expect(redact(date)).toBe(date);
      const deep = { a: { b: { password: "x" } } };
      expect(redact(deep, 2)).toEqual({ a: { b: { password: "x" } } });
      expect(redact(deep, 3)).toEqual({ a: { b: { password: "[redacted]" } } });
    });
  });

  describe("isNormalReason", () => {
    it("is true for normal, shutdown and ['shutdown', term] only", () => {
      for (const r of ["normal", "shutdown", ["shutdown", 1]]) expect(isNormalReason(r)).toBe(true);
      for (const r of ["killed", "kill", ["shutdown"], ["shutdown", 1, 2], new Error("x"), undefined]) expect(isNormalReason(r)).toBe(false);
    });
  });

  describe("reportCrash", () => {
    it("logs one error line with every field formatted and redacted", () => {
      const err = new Error("boom");
      reportCrash({
        pid: "#PID<0.1.0>",
        name: { global: ["feed", 1] },
        module: "Feed",
        callback: "handleCall",
        reason: err,
        lastEvent: ["call", { token: "t" }],
        state: { password: "p", n: 1 },
      });
      expect(logs.lines).toHaveLength(1);
      expect(logs.lines[0]).toMatchObject({
        level: 50,
        msg: "Feed #PID<0.1.0> terminating: Error: boom",
        process: "#PID<0.1.0>",
        registeredName: '{global: ["feed", 1]}',
        module: "Feed",
        callback: "handleCall",
        reason: "Error: boom",
        lastEvent: '["call", {token: "[redacted]"}]',
        state: '{password: "[redacted]", n: 1}',
        stack: expect.stringMatching(/^Error: boom\n/),
      });
    });

    it("leaves out what it was not given", () => {
      reportCrash({ pid: "#PID<0.2.0>", name: undefined, reason: "x" });
      expect(logs.lines[0]).toMatchObject({ msg: 'process #PID<0.2.0> terminating: "x"', reason: '"x"' });
      expect(logs.lines[0]).not.toHaveProperty("state");
      expect(logs.lines[0]).not.toHaveProperty("lastEvent");
      expect(logs.lines[0]).not.toHaveProperty("registeredName");
    });
  });

  describe("crash reports", () => {
    it("name the pid, the registered name, the reason, the last event and a redacted state", async () => {
      const pid = await Vault.start({ user: "bob", password: "hunter2", token: "abc", authorization: "Basic z" }, { name: "logger.vault" });
      await GenServer.call(pid, ["crash", { apiKey: "sk-123", note: "visible" }]).catch(() => undefined);
      await waitDown(pid);
      const reports = logs.errors();
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        process: String(pid),
        registeredName: '"logger.vault"',
        module: "Vault",
        callback: "handleCall",
        reason: "Error: vault crashed",
        state: '{user: "bob", password: "[redacted]", token: "[redacted]", authorization: "[redacted]"}',
      });
      expect(reports[0]!["lastEvent"]).toMatch(/"crash"/);
      expect(reports[0]!["lastEvent"]).toMatch(/"visible"/);
      expect(JSON.stringify(logs.lines)).not.toMatch(/hunter2|abc|Basic z|sk-123/);
    });

    it("redact secrets inside a cast's message too", async () => {
      const pid = await Vault.start({});
      GenServer.cast(pid, { password: "cast-secret" });
      await waitDown(pid);
      expect(logs.errors()).toHaveLength(1);
      expect(JSON.stringify(logs.lines)).not.toMatch(/cast-secret/);
    });

    it("show a cast taken from a busy mailbox as [\"cast\", msg], redacted, however its callback ends", async () => {
      // The first cast wakes the server; the second, queued behind it, is taken bare.
      for (const how of ["throw", "stop", "reject"]) {
        const pid = await Picky.start();
        GenServer.cast(pid, "fine");
        GenServer.cast(pid, { how, password: "queued-secret" });
        await waitDown(pid);
      }
      const statem = await PickyStatem.start();
      GenStatem.cast(statem, "fine");
      GenStatem.cast(statem, { how: "throw", password: "queued-secret" });
      await waitDown(statem);
      const events = logs.errors().map((r) => r["lastEvent"]);
      expect(events).toEqual([
        '["cast", {how: "throw", password: "[redacted]"}]',
        '["cast", {how: "stop", password: "[redacted]"}]',
        '["cast", {how: "reject", password: "[redacted]"}]',
        '["cast", {how: "throw", password: "[redacted]"}]',
      ]);
    });

    it("redact a GenStatem's data and its last event", async () => {
      const pid = await Lock.start({ code: "1234", secretCode: "9999" });
      await GenStatem.call(pid, { pin: "0000", password: "statem-secret" }).catch(() => undefined);
      await waitDown(pid);
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ module: "Lock", callback: "handleEvent", reason: 'Error: lock crashed on ["pin","password"]' });
      expect(logs.errors()[0]!["state"]).toMatch(/secretCode: "\[redacted\]"/);
      // Without pino's own numbers (the time, the OS pid), which may contain "9999" by chance.
      const fields = logs.lines.map(({ time: _time, pid: _pid, ...line }) => line);
      expect(JSON.stringify(fields)).not.toMatch(/9999|statem-secret/);
    });

    it("are not logged when a callback throws a normal or shutdown reason, as with a process body", async () => {
      class Quitter extends GenServer<Pid> {
        override init(probe: Pid) {
          return ["ok", probe] as const;
        }
        override handleCast(reason: unknown): never {
          throw reason;
        }
        override terminate(reason: unknown, probe: Pid) {
          send(probe, ["terminate", reason]);
        }
      }
      const box = inbox();
      for (const reason of ["normal", "shutdown", ["shutdown", "bye"]]) {
        const pid = await Quitter.start(box.pid);
        GenServer.cast(pid, reason);
        expect(await waitDown(pid)).toEqual(reason);
        expect(await box.receive(undefined, WAIT)).toEqual(["terminate", reason]);
      }
      expect(logs.errors()).toEqual([]);
      const pid = await Quitter.start(box.pid);
      GenServer.cast(pid, "boom");
      await waitDown(pid);
      expect(logs.errors()).toHaveLength(1);
    });

    it("are not logged for normal or shutdown exits", async () => {
      for (const reason of ["normal", "shutdown", ["shutdown", "bye"]]) {
        const pid = await Vault.start({});
        await GenServer.call(pid, ["stop", reason]);
        await waitDown(pid);
        const other = await Vault.start({});
        await GenServer.stop(other, reason);
      }
      expect(logs.errors()).toEqual([]);
    });

    it("keep pino's own pid: the process is under `process`", async () => {
      const pid = await Vault.start({});
      GenServer.cast(pid, "crash");
      await waitDown(pid);
      expect(logs.errors()[0]).toMatchObject({ pid: process.pid, process: String(pid) });
    });

    it("name a stop request, not the last callback, for GenServer.stop(pid, reason)", async () => {
      class Ticker extends GenServer<number> {
        override handleCast(_msg: unknown, n: number) {
          return ["noreply", n + 1] as const;
        }
      }
      const pid = await Ticker.start(0);
      // A cast first: a report naming the last callback would say handleCast.
      GenServer.cast(pid, "tick");
      await GenServer.stop(pid, "boom");
      const stopped = logs.errors().at(-1);
      expect(stopped).toMatchObject({ module: "Ticker", endedBy: expect.stringMatching(/^stop requested by #PID</) });
      expect(stopped).not.toHaveProperty("callback");
      expect(stopped!.msg).toMatch(/terminating: "boom" \(stop requested by #PID<[\d.]+>\)$/);
    });

    it("name the parent's exit signal when it ends a server that traps exits", async () => {
      class Trapping extends GenServer<null> {
        override init() {
          trapExit(true);
          return ["ok", null] as const;
        }
      }
      const parent = inbox();
      const pid = await parent.run(() => Trapping.startLink(null));
      parent.close("bad_parent");
      await waitDown(pid);
      expect(logs.errors().at(-1)).toMatchObject({ reason: '"bad_parent"', endedBy: `exit signal from the parent ${String(parent.pid)}` });
    });
  });

  describe("default logger", () => {
    it("writes JSON lines when stderr is not a terminal", async () => {
      const run = await runExample("test/runtime/fixtures/log-lines.ts");
      expect(run.code, describeRun(run)).toBe(0);
      const line = JSON.parse(run.stderr.trim()) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 50, name: "parley", process: expect.stringMatching(/^#PID</), reason: '"boom"' });
      expect(typeof line["pid"]).toBe("number");
    });

    it("writes readable lines when stderr is a terminal and no logger was set", async () => {
      const run = await runExample("test/runtime/fixtures/log-lines.ts", ["tty"]);
      expect(run.code, describeRun(run)).toBe(0);
      const [first, ...fields] = run.stderr.trim().split("\n");
      expect(first).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: Quote #PID<[\d.]+> terminating: "boom" \(stop requested by #PID<[\d.]+>\)$/);
      expect(fields).toContain('    module: "Quote"');
      expect(run.stderr).not.toMatch(/hostname|^\{/m);
    });
  });
});
