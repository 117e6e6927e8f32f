import { describe, expect, it } from "vitest";
import { ExitError, NoProcError, OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import { call, CallRequest, cast, CastRequest, reply, stopServer, SystemRequest } from "../../../src/runtime/behaviours/gen-call.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { register, send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { spawn } from "../../../src/runtime/process/spawn.ts";
import { useProcesses, WAIT } from "../../helpers/runtime.ts";

const { inbox, killAfterTest } = useProcesses();

/** A hand-written server: answers each CallRequest with ["re", request]; SystemRequest ["stop", r] exits with r. */
function server(): Pid {
  const pid = spawn(async () => {
    for (;;) {
      const msg = await receive();
      if (msg instanceof SystemRequest) throw (msg.request as [string, unknown])[1];
      if (msg instanceof CallRequest) reply(msg.from, ["re", msg.request]);
    }
  });
  killAfterTest(pid);
  return pid;
}

describe("gen-call", () => {
  describe("call", () => {
    it("delivers a CallRequest and resolves with the reply", async () => {
      expect(await call(server(), "hi")).toEqual(["re", "hi"]);
    });

    it("passes the caller's pid in From, or a stand-in outside a process", async () => {
      const box = inbox();
      const target = inbox();
      const inside = box.run(() => call(target.pid, "q"));
      const outside = call(target.pid, "q");
      const [a, b] = [(await target.receive(undefined, WAIT)) as CallRequest, (await target.receive(undefined, WAIT)) as CallRequest];
      expect(a.from.pid).toBe(box.pid);
      expect(b.from.pid).not.toBe(box.pid);
      reply(a.from, 1);
      reply(b.from, 2);
      expect([await inside, await outside]).toEqual([1, 2]);
    });

    it("rejects TimeoutError naming the target, and drops a late reply", async () => {
      const target = inbox();
      const err = await call(target.pid, "q", 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(new RegExp(`^call to #PID<0\\.${target.pid.id}\\.0> timed out after 5 ms$`));
      const req = (await target.receive(undefined, WAIT)) as CallRequest;
      expect(() => reply(req.from, "late")).not.toThrow();
    });

    it("times out exactly the calls that got no reply, among many with the same timeout", async () => {
      const target = inbox();
      const calls = Array.from({ length: 40 }, (_, i) => call(target.pid, i, 20).then(
        (v) => ["ok", v],
        (e: unknown) => ["error", (e as Error).name],
      ));
      for (let i = 0; i < 40; i++) {
        const req = (await target.receive(undefined, WAIT)) as CallRequest;
        if ((req.request as number) % 2 === 0) reply(req.from, req.request);
      }
      const results = await Promise.all(calls);
      expect(results).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? ["ok", i] : ["error", "TimeoutError"])));
    });

    it("leaves no timer keeping Node alive once the call is answered", async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const target = inbox();
      const before = timers();
      const pending = call(target.pid, "q", 3_600_000);
      expect(timers()).toBe(before + 1);
      reply(((await target.receive(undefined, WAIT)) as CallRequest).from, "a");
      expect(await pending).toBe("a");
      expect(timers()).toBe(before);
    });

    it("times out calls with different timeouts each on time", async () => {
      const target = inbox();
      const order: number[] = [];
      const long = call(target.pid, "long", 40).catch(() => order.push(40));
      const short = call(target.pid, "short", 5).catch(() => order.push(5));
      await Promise.all([long, short]);
      expect(order).toEqual([5, 40]);
    });

    it("rejects ExitError with the reason when the target exits first", async () => {
      const target = new Inbox();
      const pending = call(target.pid, "q");
      target.close(["shutdown", "x"]);
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toEqual(["shutdown", "x"]);
      expect((err as Error).message).toMatch(new RegExp(`^#PID<0\\.${target.pid.id}\\.0> exited with reason \\["shutdown", "x"\\]$`));
    });

    it("names the destination it was given in ExitError", async () => {
      const target = new Inbox();
      register("gen-call.named", target.pid);
      const pending = call("gen-call.named", "q");
      target.close("gone");
      await expect(pending).rejects.toThrow(/^"gen-call\.named" exited with reason "gone"$/);
    });

    it("rejects NoProcError for a dead pid and an unknown name", async () => {
      const gone = new Inbox();
      gone.close();
      await expect(call(gone.pid, "q")).rejects.toThrow(NoProcError);
      await expect(call(gone.pid, "q")).rejects.toThrow(new RegExp(`^no process is alive at #PID<0\\.${gone.pid.id}\\.0>$`));
      await expect(call("gen-call.nobody", "q")).rejects.toThrow(/^no process is registered under "gen-call\.nobody"$/);
    });

    it("rejects (never throws) OptionsError for a bad timeout or destination", async () => {
      let p: Promise<unknown> | undefined;
      expect(() => (p = call(server(), "q", -1))).not.toThrow();
      await expect(p).rejects.toThrow(OptionsError);
      await expect(p).rejects.toThrow(/^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got -1$/);
      expect(() => (p = call(7 as never, "q"))).not.toThrow();
      await expect(p).rejects.toThrow(/^invalid dest: /);
    });
  });

  describe("call to itself", () => {
    it("rejects ExitError with calling_self instead of waiting for ever", async () => {
      const box = inbox();
      const err = await box.run(() => call(box.pid, "q", Infinity)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toEqual(["calling_self", box.pid]);
    });
  });

  describe("reply", () => {
    it("settles the call once; later replies do nothing", async () => {
      const target = inbox();
      const pending = call(target.pid, "q");
      const req = (await target.receive(undefined, WAIT)) as CallRequest;
      reply(req.from, "first");
      reply(req.from, "second");
      expect(await pending).toBe("first");
    });

    it("reaches the call through a copy of the From", async () => {
      const target = inbox();
      const pending = call(target.pid, "q");
      const req = (await target.receive(undefined, WAIT)) as CallRequest;
      reply({ pid: req.from.pid, tag: req.from.tag }, "via copy");
      expect(await pending).toBe("via copy");
    });

    it("throws OptionsError for something that is not a From", () => {
      expect(() => reply({ pid: "x", tag: 1 } as never, 1)).toThrow(OptionsError);
      expect(() => reply(undefined as never, 1)).toThrow(/^invalid from: expected the From of a call \(\{ pid, tag \}\), got undefined$/);
    });
  });

  describe("cast", () => {
    it("delivers a CastRequest", async () => {
      const target = inbox();
      cast(target.pid, "c");
      const msg = await target.receive(undefined, WAIT);
      expect(msg).toBeInstanceOf(CastRequest);
      expect((msg as CastRequest).msg).toBe("c");
    });

    it("drops a cast to an unknown name, but throws OptionsError for a bad destination", () => {
      expect(() => cast("gen-call.cast.nobody", 1)).not.toThrow();
      expect(() => cast([] as never, 1)).toThrow(OptionsError);
      expect(() => cast([] as never, 1)).toThrow(/^invalid dest: expected a Pid, a non-empty string, \{ global: term \} or \{ via: \[module, term\] \}, got \[\]$/);
    });
  });

  describe("stopServer", () => {
    it("resolves once the target exited in answer to the stop request", async () => {
      const pid = server();
      const box = inbox();
      const ref = await box.run(() => monitor(pid));
      await stopServer(pid, "shutdown", WAIT);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, "shutdown"]);
    });

    it("rejects NoProcError for an unknown target and TimeoutError when it does not exit", async () => {
      await expect(stopServer("gen-call.stop.nobody", "normal", WAIT)).rejects.toThrow(NoProcError);
      await expect(stopServer("gen-call.stop.nobody", "normal", WAIT)).rejects.toThrow(/^no process is registered under "gen-call\.stop\.nobody"$/);
      const deaf = inbox();
      await expect(stopServer(deaf.pid, "normal", 5)).rejects.toThrow(TimeoutError);
      await expect(stopServer(deaf.pid, "normal", 5)).rejects.toThrow(new RegExp(`^call to #PID<0\\.${deaf.pid.id}\\.0> timed out after 5 ms$`));
      send(deaf.pid, "still alive");
      expect(await deaf.receive((m) => (m === "still alive" ? m : undefined), WAIT)).toBe("still alive");
    });
  });
});
