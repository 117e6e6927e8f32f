import { describe, expect, it } from "vitest";
import { BadReturnError, ExitError, NoProcError, OptionsError, StartError, TimeoutError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { Global } from "../../../src/runtime/names/global.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { link } from "../../../src/runtime/process/links.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send, whereis } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, self, spawn, trapExit } from "../../../src/runtime/process/spawn.ts";
import { sys } from "../../../src/runtime/behaviours/sys.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, killAfterTest } = useProcesses();

/** A server that reports to a probe pid; requests say what to do. */
interface State {
  readonly probe: Pid;
  n: number;
  pending?: From;
}

class Probe extends GenServer<State> {
  override init(arg: { probe: Pid; trap?: boolean }) {
    if (arg.trap === true) trapExit(true);
    send(arg.probe, ["init", self()]);
    return ["ok", { probe: arg.probe, n: 0 }] as const;
  }

  override async handleCall(req: unknown, from: From, s: State) {
    switch (Array.isArray(req) ? req[0] : req) {
      case "get":
        return ["reply", s.n, s] as const;
      case "self":
        return ["reply", self(), s] as const;
      case "from":
        return ["reply", from, s] as const;
      case "later":
        return ["noreply", { ...s, pending: from }] as const;
      case "never":
        return ["noreply", s] as const;
      case "throw":
        throw new Error("handleCall blew up");
      case "stop_reply":
        return ["stop", "normal", "bye", s] as const;
      case "stop_noreply":
        return ["stop", ["shutdown", "asked"], s] as const;
      case "garbage":
        return ["nope", 1] as never;
      case "slow": {
        send(s.probe, "slow:start");
        await new Promise((resolve) => setTimeout(resolve, 5));
        send(s.probe, "slow:end");
        return ["reply", "slow", s] as const;
      }
      default:
        return ["reply", ["unknown", req], s] as const;
    }
  }

  override handleCast(msg: unknown, s: State) {
    if (msg === "inc") return ["noreply", { ...s, n: s.n + 1 }] as const;
    if (msg === "answer" && s.pending !== undefined) {
      GenServer.reply(s.pending, ["answered", s.n]);
      return ["noreply", { probe: s.probe, n: s.n }] as const;
    }
    if (msg === "stop") return ["stop", "normal", s] as const;
    if (msg === "throw") throw "cast threw";
    if (msg === "garbage") return "garbage" as never;
    send(s.probe, ["cast", msg]);
    return ["noreply", s] as const;
  }

  override handleInfo(msg: unknown, s: State) {
    if (msg === "garbage") return ["noreply"] as never;
    if (msg === "stop") return ["stop", "shutdown", s] as const;
    send(s.probe, ["info", msg]);
    return ["noreply", s] as const;
  }

  override async terminate(reason: unknown, s: State) {
    await Promise.resolve();
    send(s.probe, ["terminate", reason, s.n]);
  }
}

class Bare extends GenServer<unknown> {}

class StopInit extends GenServer<null> {
  override init(reason: unknown) {
    return ["stop", reason] as const;
  }
  override terminate(): void {
    throw new Error("terminate must not run when init stops");
  }
}

class ThrowInit extends GenServer<null> {
  override init(probe: Pid): never {
    send(probe, "init ran");
    throw new Error("init blew up");
  }
  override terminate(_reason: unknown, _s: null): void {
    throw new Error("terminate must not run when init throws");
  }
}

class BadInit extends GenServer<null> {
  override init() {
    return ["okay", null] as never;
  }
}

class SlowInit extends GenServer<null> {
  override async init(ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ["ok", null] as const;
  }
}

class TerminateThrows extends GenServer<Pid> {
  override init(probe: Pid) {
    return ["ok", probe] as const;
  }
  override terminate(): void {
    throw new Error("terminate blew up");
  }
}

class Secret extends GenServer<Record<string, unknown>> {
  override init(state: Record<string, unknown>) {
    return ["ok", state] as const;
  }
  override handleCall(req: unknown, _from: From, s: Record<string, unknown>) {
    if (req === "garbage") return 42 as never;
    return ["reply", req, s] as const;
  }
}

/** Starts a Probe reporting to a fresh inbox; returns both, with the init message consumed. */
async function probe(opts: { trap?: boolean; link?: Inbox; name?: string } = {}): Promise<{ pid: Pid; box: Inbox }> {
  const box = inbox();
  const arg = { probe: box.pid, trap: opts.trap };
  const options = opts.name === undefined ? undefined : { name: opts.name };
  const pid = opts.link === undefined ? await Probe.start(arg, options) : await opts.link.run(() => Probe.startLink(arg, options));
  killAfterTest(pid);
  await box.receive((m) => (Array.isArray(m) && m[0] === "init" ? m : undefined), WAIT);
  return { pid, box };
}

function tagged(box: Inbox, tag: string): Promise<unknown[]> {
  return box.receive((m) => (Array.isArray(m) && m[0] === tag ? (m as unknown[]) : undefined), WAIT);
}

function pidRe(pid: Pid): string {
  return `#PID<0\\.${pid.id}\\.0>`;
}

describe("gen-server", () => {
  describe("init", () => {
    it("runs inside the new process before start resolves", async () => {
      const box = inbox();
      const pid = await Probe.start({ probe: box.pid });
      killAfterTest(pid);
      expect(box.peek()).toEqual([["init", pid]]);
      expect(await GenServer.call(pid, "get")).toBe(0);
    });

    it("defaults to ['ok', arg]", async () => {
      const pid = await GenServer.start(Bare, { a: 1 });
      killAfterTest(pid);
      expect(await sys.getState(pid)).toEqual({ a: 1 });
    });

    it("may be async: start waits for it", async () => {
      const pid = await SlowInit.start(5);
      killAfterTest(pid);
      expect(isAlive(pid)).toBe(true);
    });

    it("['stop', reason] rejects StartError with that reason, without terminate", async () => {
      const err = await StopInit.start(["bad_config", "port"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["bad_config", "port"]);
      expect((err as Error).message).toMatch(/^start failed: \["bad_config", "port"\]$/);
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ module: "StopInit", callback: "init", reason: '["bad_config", "port"]' });
    });

    it("['stop', 'normal'] fails the start without a crash report", async () => {
      await expect(StopInit.start("normal")).rejects.toThrow(/^start failed: "normal"$/);
      expect(logs.errors()).toEqual([]);
    });

    it("a throw rejects StartError with the error as reason and cause, without terminate", async () => {
      const box = inbox();
      const err = await ThrowInit.start(box.pid).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      const reason = (err as StartError).reason as Error;
      expect(reason).toBeInstanceOf(Error);
      expect(reason.message).toBe("init blew up");
      expect((err as Error).cause).toBe(reason);
      expect((err as Error).message).toMatch(/^start failed: Error: init blew up$/);
      expect(await box.receive(undefined, WAIT)).toBe("init ran");
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ module: "ThrowInit", callback: "init", reason: "Error: init blew up" });
    });

    it("a result outside the union rejects StartError whose reason is a BadReturnError", async () => {
      const err = (await BadInit.start().catch((e: unknown) => e)) as StartError;
      expect(err).toBeInstanceOf(StartError);
      expect(err.reason).toBeInstanceOf(BadReturnError);
      expect(err.reason).toMatchObject({ callback: "init", value: ["okay", null] });
      expect(err.message).toMatch(/^start failed: BadReturnError: bad return value from init: \["okay", null\]$/);
    });

    it("rejects StartError with the exit reason when the process is killed while init runs", async () => {
      class Blocked extends GenServer<null> {
        override async init() {
          await receive((m) => (m === "go" ? m : undefined));
          return ["ok", null] as const;
        }
      }
      const starting = Blocked.start(null, { name: "gen-server.init.killed" });
      const watcher = inbox();
      const ref = await watcher.run(() => monitor("gen-server.init.killed"));
      const pid = whereis("gen-server.init.killed")!;
      exit(pid, "kill");
      const err = (await starting.catch((e: unknown) => e)) as StartError;
      expect(err).toBeInstanceOf(StartError);
      expect(err.reason).toBe("killed");
      expect(await watcher.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "killed"]);
    });

    it("rejects StartError when the process is taken down through a link while an async init runs", async () => {
      class Sleepy extends GenServer<null> {
        override async init(linkTo: Pid) {
          link(linkTo);
          await new Promise((resolve) => setTimeout(resolve, 20));
          return ["ok", null] as const;
        }
      }
      const doomed = new Inbox();
      const starting = Sleepy.start(doomed.pid);
      await new Promise((resolve) => setImmediate(resolve));
      doomed.close("boom");
      const err = await starting.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as Error).message).toMatch(/^start failed: "boom"$/);
    });

    it("that outlives the start timeout rejects StartError 'timeout' and the process is killed", async () => {
      const watcher = inbox();
      const err = await SlowInit.start(200, { timeout: 5 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toBe("timeout");
      expect(watcher.alive).toBe(true);
    });
  });

  describe("start", () => {
    it("rejects StartError when the class's constructor throws", async () => {
      class Broken extends GenServer<null> {
        readonly field = (() => {
          throw new Error("bad field");
        })();
      }
      const err = await Broken.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).message).toMatch(/^start failed: Error: bad field$/);
    });

    it("is the same through the subclass and through GenServer", async () => {
      const box = inbox();
      const a = await Probe.start({ probe: box.pid });
      const b = await GenServer.start(Probe, { probe: box.pid });
      killAfterTest(a, b);
      expect(await GenServer.call(a, "get")).toBe(0);
      expect(await GenServer.call(b, "get")).toBe(0);
    });

    it("registers a local name, released when the server exits", async () => {
      const { pid } = await probe({ name: "gen-server.start.named" });
      expect(whereis("gen-server.start.named")).toBe(pid);
      expect(await GenServer.call("gen-server.start.named", "get")).toBe(0);
      await GenServer.stop("gen-server.start.named");
      expect(whereis("gen-server.start.named")).toBeUndefined();
    });

    it("registers a global name", async () => {
      const box = inbox();
      const pid = await Probe.start({ probe: box.pid }, { name: { global: ["gs", 1] } });
      killAfterTest(pid);
      expect(Global.whereisName(["gs", 1])).toBe(pid);
      expect(await GenServer.call({ global: ["gs", 1] }, "get")).toBe(0);
    });

    it("rejects StartError ['already_started', pid] for a taken name, and init never runs", async () => {
      const { pid } = await probe({ name: "gen-server.start.taken" });
      const box = inbox();
      const err = await Probe.start({ probe: box.pid }, { name: "gen-server.start.taken" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["already_started", pid]);
      expect((err as Error).message).toMatch(new RegExp(`^start failed: \\["already_started", ${pidRe(pid)}\\]$`));
      expect(box.peek()).toEqual([]);
    });

    it("rejects StartError ['already_started', pid] for a taken global name", async () => {
      const box = inbox();
      const first = await Probe.start({ probe: box.pid }, { name: { global: "gs.taken" } });
      killAfterTest(first);
      const err = await Probe.start({ probe: box.pid }, { name: { global: "gs.taken" } }).catch((e: unknown) => e);
      expect((err as StartError).reason).toEqual(["already_started", first]);
    });

    it("rejects StartError with the error when a via module throws, and starts nothing", async () => {
      const box = inbox();
      const failing = {
        registerName: (): boolean => {
          throw new Error("registry down");
        },
        unregisterName: () => undefined,
        whereisName: () => undefined,
        send: () => undefined,
      };
      const err = (await Probe.start({ probe: box.pid }, { name: { via: [failing, "k"] } }).catch((e: unknown) => e)) as StartError;
      expect(err).toBeInstanceOf(StartError);
      expect((err.reason as Error).message).toBe("registry down");
      expect(err.message).toMatch(/^start failed: Error: registry down$/);
      await expect(box.receive(undefined, 10)).rejects.toThrow(/^receive timed out after 10 ms$/);
    });

    it("does not link: a crash leaves the caller alone", async () => {
      const box = inbox();
      const pid = await box.run(() => Probe.start({ probe: box.pid }));
      const ref = await box.run(() => monitor(pid));
      GenServer.cast(pid, "throw");
      await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), WAIT);
      expect(box.alive).toBe(true);
    });

    it("rejects OptionsError for a module that is not a GenServer class", async () => {
      await expect(GenServer.start(class {} as never)).rejects.toThrow(OptionsError);
      await expect(GenServer.start(42 as never)).rejects.toThrow(/^invalid module: expected a class that extends GenServer, got 42$/);
      await expect(GenServer.start(GenServer as never)).rejects.toThrow(OptionsError);
      await expect(GenServer.start(GenServer as never)).rejects.toThrow(/^invalid module: expected a class that extends GenServer, got GenServer$/);
    });

    it("rejects OptionsError for an unknown option", async () => {
      await expect(Bare.start(1, { nme: "x" } as never)).rejects.toThrow(OptionsError);
      await expect(Bare.start(1, { nme: "x" } as never)).rejects.toThrow(
        /^invalid nme: expected no such start option \(known: name, timeout\), got "x"$/,
      );
    });

    it("rejects OptionsError for a bad name or timeout", async () => {
      await expect(Bare.start(1, { name: "" })).rejects.toThrow(/^invalid name: expected a non-empty string, .*, got ""$/);
      await expect(Bare.start(1, { timeout: -1 })).rejects.toThrow(
        /^invalid timeout: expected a non-negative number of milliseconds or Infinity, got -1$/,
      );
      await expect(Bare.start(1, null as never)).rejects.toThrow(/^invalid options: expected \{ name\?, timeout\? \}, got null$/);
    });
  });

  describe("startLink", () => {
    it("links the server to the caller", async () => {
      const parent = inbox(true);
      const { pid } = await probe({ link: parent });
      GenServer.cast(pid, "throw");
      expect(await parent.receive(undefined, WAIT)).toEqual(["EXIT", pid, "cast threw"]);
    });

    it("takes down a caller that does not trap exits when the server crashes", async () => {
      const parent = new Inbox();
      const { pid } = await probe({ link: parent });
      GenServer.cast(pid, "throw");
      await expect(parent.receive(undefined, WAIT)).rejects.toThrow(ExitError);
      await expect(parent.receive(undefined, WAIT)).rejects.toThrow(new RegExp(`^${pidRe(parent.pid)} exited with reason "cast threw"$`));
    });

    it("behaves like start outside a process", async () => {
      const box = inbox();
      const pid = await Probe.startLink({ probe: box.pid });
      const ref = await box.run(() => monitor(pid));
      GenServer.cast(pid, "throw");
      expect(await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined), WAIT)).toEqual([
        "DOWN",
        ref,
        "process",
        pid,
        "cast threw",
      ]);
    });

    it("reports a failed start only through the rejection, not as an exit signal too", async () => {
      const parent = inbox(true);
      await expect(parent.run(() => StopInit.startLink("nope"))).rejects.toThrow(StartError);
      await expect(parent.run(() => StopInit.startLink("nope"))).rejects.toThrow(/^start failed: "nope"$/);
      await expect(parent.run(() => ThrowInit.startLink(parent.pid))).rejects.toThrow(StartError);
      await parent.receive((m) => (m === "init ran" ? m : undefined), WAIT);
      await expect(parent.run(() => ThrowInit.startLink(parent.pid))).rejects.toThrow(/^start failed: Error: init blew up$/);
      await parent.receive((m) => (m === "init ran" ? m : undefined), WAIT);
      expect(parent.peek()).toEqual([]);
      expect(parent.alive).toBe(true);
    });
  });

  describe("call", () => {
    it("returns the reply", async () => {
      const { pid } = await probe();
      expect(await GenServer.call(pid, ["echo"])).toEqual(["unknown", ["echo"]]);
    });

    it("runs handleCall in the server's process and passes the caller's From", async () => {
      const { pid } = await probe();
      const box = inbox();
      expect(await GenServer.call(pid, "self")).toBe(pid);
      const from = (await box.run(() => GenServer.call(pid, "from"))) as From;
      expect(from.pid).toBe(box.pid);
      expect(String(from.tag)).toMatch(/^#Reference<\d+>$/);
    });

    it("with ['noreply', s] waits for GenServer.reply from a later event", async () => {
      const { pid } = await probe();
      const answer = GenServer.call(pid, "later");
      GenServer.cast(pid, "inc");
      GenServer.cast(pid, "answer");
      expect(await answer).toEqual(["answered", 1]);
    });

    it("lets handleCall wait for a message with a selective receive; other messages wait their turn", async () => {
      class Asker extends GenServer<Pid> {
        override async handleCall(req: unknown, _from: From, helper: Pid) {
          if (req !== "ask") return ["reply", ["plain", req], helper] as const;
          send(helper, ["question", self()]);
          const answer = await receive((m) => (Array.isArray(m) && m[0] === "answer" ? m[1] : undefined), WAIT);
          return ["reply", answer, helper] as const;
        }
        override handleInfo(msg: unknown, helper: Pid) {
          send(helper, ["info seen", msg]);
          return ["noreply", helper] as const;
        }
      }
      const helper = inbox();
      const pid = await Asker.start(helper.pid);
      killAfterTest(pid);
      const asked = GenServer.call(pid, "ask");
      const [, asker] = (await helper.receive(undefined, WAIT)) as [string, Pid];
      send(pid, "early info");
      const next = GenServer.call(pid, "next");
      send(asker, ["answer", 42]);
      expect(await asked).toBe(42);
      expect(await next).toEqual(["plain", "next"]);
      expect(await helper.receive(undefined, WAIT)).toEqual(["info seen", "early info"]);
    });

    it("accepts a reply from another process", async () => {
      class Delegate extends GenServer<null> {
        override handleCall(req: unknown, from: From) {
          spawn(() => GenServer.reply(from, ["delegated", req]));
          return ["noreply", null] as const;
        }
      }
      const pid = await Delegate.start(null);
      killAfterTest(pid);
      expect(await GenServer.call(pid, 7)).toEqual(["delegated", 7]);
    });

    it("rejects TimeoutError when no reply comes in time; the server lives on and a late reply is dropped", async () => {
      const { pid } = await probe();
      const err = await GenServer.call(pid, "later", 10).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(new RegExp(`^call to ${pidRe(pid)} timed out after 10 ms$`));
      GenServer.cast(pid, "answer");
      expect(await GenServer.call(pid, "get")).toBe(0);
      expect(isAlive(pid)).toBe(true);
    });

    it("rejects NoProcError for a dead pid", async () => {
      const { pid } = await probe();
      await GenServer.stop(pid);
      const err = await GenServer.call(pid, "get").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoProcError);
      expect((err as Error).message).toMatch(new RegExp(`^no process is alive at ${pidRe(pid)}$`));
    });

    it("rejects NoProcError naming an unknown name", async () => {
      await expect(GenServer.call("gen-server.nobody", "get")).rejects.toThrow(NoProcError);
      await expect(GenServer.call("gen-server.nobody", "get")).rejects.toThrow(/^no process is registered under "gen-server\.nobody"$/);
      await expect(GenServer.call({ global: ["gs", "nobody"] }, "get")).rejects.toThrow(
        /^no process is registered under \{global: \["gs", "nobody"\]\}$/,
      );
    });

    it("rejects ExitError with the reason when the server crashes mid-call", async () => {
      const { pid } = await probe();
      const err = await GenServer.call(pid, "throw").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`^${pidRe(pid)} exited with reason Error: handleCall blew up$`));
      expect(isAlive(pid)).toBe(false);
    });

    it("rejects ExitError when the server is killed while the call waits", async () => {
      const { pid } = await probe();
      const pending = GenServer.call(pid, "never");
      exit(pid, "kill");
      await expect(pending).rejects.toThrow(new RegExp(`^${pidRe(pid)} exited with reason "killed"$`));
    });

    it("['stop', reason, value, s] replies, then the server stops", async () => {
      const { pid, box } = await probe();
      expect(await GenServer.call(pid, "stop_reply")).toBe("bye");
      expect(await tagged(box, "terminate")).toEqual(["terminate", "normal", 0]);
      expect(isAlive(pid)).toBe(false);
    });

    it("['stop', reason, s] stops without a reply: the caller gets ExitError with the reason", async () => {
      const { pid, box } = await probe();
      const err = await GenServer.call(pid, "stop_noreply").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toEqual(["shutdown", "asked"]);
      expect(await tagged(box, "terminate")).toEqual(["terminate", ["shutdown", "asked"], 0]);
    });

    it("without handleCall stops the server with ['bad_call', request]", async () => {
      const pid = await Bare.start(null);
      const err = (await GenServer.call(pid, "hi").catch((e: unknown) => e)) as ExitError;
      expect(err).toBeInstanceOf(ExitError);
      expect(err.reason).toEqual(["bad_call", "hi"]);
    });

    it("rejects OptionsError for a bad timeout", async () => {
      const { pid } = await probe();
      await expect(GenServer.call(pid, "get", -1)).rejects.toThrow(OptionsError);
      await expect(GenServer.call(pid, "get", -1)).rejects.toThrow(
        /^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got -1$/,
      );
    });

    it("rejects OptionsError for a destination of no known form", async () => {
      await expect(GenServer.call(3 as never, "get")).rejects.toThrow(OptionsError);
      await expect(GenServer.call(3 as never, "get")).rejects.toThrow(/^invalid dest: expected .*, got 3$/);
    });
  });

  describe("cast", () => {
    it("is handled in order with calls", async () => {
      const { pid } = await probe();
      GenServer.cast(pid, "inc");
      GenServer.cast(pid, "inc");
      expect(await GenServer.call(pid, "get")).toBe(2);
    });

    it("to a name nobody holds is dropped without an error", () => {
      expect(() => GenServer.cast("gen-server.cast.nobody", "x")).not.toThrow();
      expect(() => GenServer.cast({ global: "gen-server.cast.nobody" }, "x")).not.toThrow();
    });

    it("to a dead pid is dropped", async () => {
      const { pid } = await probe();
      await GenServer.stop(pid);
      expect(() => GenServer.cast(pid, "x")).not.toThrow();
    });

    it("['stop', reason, s] runs terminate and exits", async () => {
      const { pid, box } = await probe();
      GenServer.cast(pid, "stop");
      expect(await tagged(box, "terminate")).toEqual(["terminate", "normal", 0]);
      expect(isAlive(pid)).toBe(false);
    });

    it("without handleCast stops the server with ['bad_cast', msg]", async () => {
      const box = inbox();
      const pid = await Bare.start(null);
      const ref = await box.run(() => monitor(pid));
      GenServer.cast(pid, "hi");
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, ["bad_cast", "hi"]]);
    });

    it("throws OptionsError for a destination of no known form", () => {
      expect(() => GenServer.cast(3 as never, "x")).toThrow(OptionsError);
      expect(() => GenServer.cast(3 as never, "x")).toThrow(/^invalid dest: expected .*, got 3$/);
    });
  });

  describe("handleInfo", () => {
    it("receives plain messages", async () => {
      const { pid, box } = await probe();
      send(pid, { hello: 1 });
      expect(await tagged(box, "info")).toEqual(["info", { hello: 1 }]);
    });

    it("without an override logs the message, redacted, at warn level and keeps the state", async () => {
      const pid = await Bare.start(5);
      killAfterTest(pid);
      send(pid, ["stray", { token: "stray-secret" }]);
      expect(await sys.getState(pid)).toBe(5);
      const warns = logs.lines.filter((l) => l.level === 40);
      expect(warns).toEqual([
        expect.objectContaining({ module: "Bare", msg: "unexpected message in handleInfo", message: '["stray", {token: "[redacted]"}]' }),
      ]);
      expect(JSON.stringify(logs.lines)).not.toMatch(/stray-secret/);
    });

    it("['stop', reason, s] runs terminate and exits", async () => {
      const { pid, box } = await probe();
      send(pid, "stop");
      expect(await tagged(box, "terminate")).toEqual(["terminate", "shutdown", 0]);
    });
  });

  describe("reply", () => {
    it("throws OptionsError for something that is not a From", () => {
      expect(() => GenServer.reply({} as never, 1)).toThrow(OptionsError);
      expect(() => GenServer.reply(null as never, 1)).toThrow(/^invalid from: expected the From of a call \(\{ pid, tag \}\), got null$/);
    });

    it("does nothing the second time", async () => {
      class Twice extends GenServer<null> {
        override handleCall(_req: unknown, from: From) {
          GenServer.reply(from, 1);
          GenServer.reply(from, 2);
          return ["noreply", null] as const;
        }
      }
      const pid = await Twice.start(null);
      killAfterTest(pid);
      expect(await GenServer.call(pid, "x")).toBe(1);
    });
  });

  describe("stop", () => {
    it("runs terminate with the reason and resolves once the server exited", async () => {
      const { pid, box } = await probe();
      GenServer.cast(pid, "inc");
      await GenServer.stop(pid, ["shutdown", "done"]);
      expect(isAlive(pid)).toBe(false);
      expect(box.peek()).toEqual([["terminate", ["shutdown", "done"], 1]]);
      expect(logs.errors()).toEqual([]);
    });

    it("defaults to 'normal'", async () => {
      const { pid, box } = await probe();
      await GenServer.stop(pid);
      expect(await tagged(box, "terminate")).toEqual(["terminate", "normal", 0]);
    });

    it("logs a crash report for an abnormal reason", async () => {
      const { pid } = await probe();
      await GenServer.stop(pid, "bad");
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ process: String(pid), reason: '"bad"', module: "Probe" });
    });

    it("rejects NoProcError for an unknown name or a dead pid", async () => {
      await expect(GenServer.stop("gen-server.stop.nobody")).rejects.toThrow(NoProcError);
      await expect(GenServer.stop("gen-server.stop.nobody")).rejects.toThrow(/^no process is registered under "gen-server\.stop\.nobody"$/);
      const { pid } = await probe();
      await GenServer.stop(pid);
      await expect(GenServer.stop(pid)).rejects.toThrow(new RegExp(`^no process is alive at ${pidRe(pid)}$`));
    });

    it("rejects TimeoutError when the server does not exit in time", async () => {
      const { pid } = await probe();
      const busy = GenServer.call(pid, "slow");
      const err = await GenServer.stop(pid, "normal", 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(new RegExp(`^call to ${pidRe(pid)} timed out after 1 ms$`));
      expect(await busy).toBe("slow");
    });
  });

  describe("terminate", () => {
    it("runs on a callback throw with the error and the last state; a crash report names the callback", async () => {
      const { pid, box } = await probe();
      GenServer.cast(pid, "inc");
      GenServer.cast(pid, "throw");
      expect(await tagged(box, "terminate")).toEqual(["terminate", "cast threw", 1]);
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({
        process: String(pid),
        module: "Probe",
        callback: "handleCast",
        reason: '"cast threw"',
      });
    });

    it("runs on the parent's exit signal when the server traps exits", async () => {
      const parent = new Inbox();
      const { pid, box } = await probe({ trap: true, link: parent });
      parent.close("shutdown");
      expect(await tagged(box, "terminate")).toEqual(["terminate", "shutdown", 0]);
      const ref = await box.run(() => monitor(pid));
      expect(await tagged(box, "DOWN")).toEqual(["DOWN", ref, "process", pid, "noproc"]);
    });

    it("does not run when the server does not trap exits and its parent exits", async () => {
      const parent = new Inbox();
      const { pid, box } = await probe({ link: parent });
      const ref = await box.run(() => monitor(pid));
      parent.close("shutdown");
      expect(await tagged(box, "DOWN")).toEqual(["DOWN", ref, "process", pid, "shutdown"]);
      expect(box.peek()).toEqual([]);
    });

    it("does not run when the server is killed", async () => {
      const { pid, box } = await probe({ trap: true });
      const ref = await box.run(() => monitor(pid));
      exit(pid, "kill");
      expect(await tagged(box, "DOWN")).toEqual(["DOWN", ref, "process", pid, "killed"]);
      expect(box.peek()).toEqual([]);
    });

    it("sends exit signals from other processes to handleInfo when trapping", async () => {
      const { pid, box } = await probe({ trap: true });
      const other = inbox();
      await other.run(() => exit(pid, "other"));
      expect(await tagged(box, "info")).toEqual(["info", ["EXIT", other.pid, "other"]]);
      expect(isAlive(pid)).toBe(true);
    });

    it("that throws makes its error the exit reason and logs a crash report", async () => {
      const box = inbox();
      const pid = await TerminateThrows.start(box.pid);
      const ref = await box.run(() => monitor(pid));
      await GenServer.stop(pid);
      const down = (await box.receive(undefined, WAIT)) as unknown[];
      expect(down.slice(0, 4)).toEqual(["DOWN", ref, "process", pid]);
      expect((down[4] as Error).message).toBe("terminate blew up");
      expect(logs.errors()[0]).toMatchObject({ callback: "terminate", reason: "Error: terminate blew up" });
    });
  });

  describe("BadReturnError", () => {
    it("crashes the server on a malformed handleCall result; the caller gets ExitError with it", async () => {
      const { pid, box } = await probe();
      const err = (await GenServer.call(pid, "garbage").catch((e: unknown) => e)) as ExitError;
      expect(err).toBeInstanceOf(ExitError);
      const reason = err.reason as BadReturnError;
      expect(reason).toBeInstanceOf(BadReturnError);
      expect(reason.callback).toBe("handleCall");
      expect(reason.value).toEqual(["nope", 1]);
      expect(reason.message).toMatch(/^bad return value from handleCall: \["nope", 1\]$/);
      expect(await tagged(box, "terminate")).toEqual(["terminate", reason, 0]);
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({
        callback: "handleCall",
        reason: 'BadReturnError: bad return value from handleCall: ["nope", 1]',
        lastEvent: expect.stringContaining('"garbage"'),
      });
    });

    it("names handleCast and handleInfo for their malformed results", async () => {
      const a = await probe();
      GenServer.cast(a.pid, "garbage");
      const [, reasonA] = await tagged(a.box, "terminate");
      expect(reasonA).toMatchObject({ name: "BadReturnError", callback: "handleCast", value: "garbage" });
      const b = await probe();
      send(b.pid, "garbage");
      const [, reasonB] = await tagged(b.box, "terminate");
      expect(reasonB).toMatchObject({ name: "BadReturnError", callback: "handleInfo", value: ["noreply"] });
      expect((reasonB as Error).message).toMatch(/^bad return value from handleInfo: \["noreply"\]$/);
    });

    it("shows a redacted state in the crash report", async () => {
      const pid = await Secret.start({ user: "bob", password: "hunter2", nested: { apiKey: "k", token: "t" } });
      await GenServer.call(pid, "garbage").catch(() => undefined);
      expect(logs.errors()[0]).toMatchObject({
        module: "Secret",
        callback: "handleCall",
        state: '{user: "bob", password: "[redacted]", nested: {apiKey: "[redacted]", token: "[redacted]"}}',
        reason: "BadReturnError: bad return value from handleCall: 42",
      });
      expect(JSON.stringify(logs.lines)).not.toMatch(/hunter2/);
    });
  });

  describe("childSpec", () => {
    it("has the class as id and a start that startLinks with the arg", async () => {
      const box = inbox();
      const spec = Probe.childSpec({ probe: box.pid });
      expect(spec).toEqual({ id: Probe, start: expect.any(Function) });
      const parent = inbox(true);
      const pid = await parent.run(() => spec.start());
      killAfterTest(pid);
      expect(await box.receive(undefined, WAIT)).toEqual(["init", pid]);
      exit(pid, "kill");
      expect(await parent.receive(undefined, WAIT)).toEqual(["EXIT", pid, "killed"]);
    });
  });

  describe("isolation", () => {
    it("a crash never takes down an unlinked process, nor Node", async () => {
      const bystander = inbox();
      const unhandled: unknown[] = [];
      const onUnhandled = (err: unknown): void => void unhandled.push(err);
      process.on("unhandledRejection", onUnhandled);
      try {
        const { pid, box } = await probe();
        const ref = await box.run(() => monitor(pid));
        await GenServer.call(pid, "throw").catch(() => undefined);
        await tagged(box, "DOWN");
        expect(ref).toBeDefined();
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
        expect(bystander.alive).toBe(true);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    });
  });

  describe("ordering", () => {
    it("serialises async callbacks: the next event waits for the previous one's promise", async () => {
      const { pid, box } = await probe();
      const slow = GenServer.call(pid, "slow");
      GenServer.cast(pid, "after");
      send(pid, "info after");
      expect(await slow).toBe("slow");
      const seen = [
        await box.receive(undefined, WAIT),
        await box.receive(undefined, WAIT),
        await box.receive(undefined, WAIT),
        await box.receive(undefined, WAIT),
      ];
      expect(seen).toEqual(["slow:start", "slow:end", ["cast", "after"], ["info", "info after"]]);
    });
  });
});
