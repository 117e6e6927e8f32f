// GenServer's continue, idle timeouts and "hibernate": the optional last element of a result.
import { describe, expect, it } from "vitest";
import { BadReturnError, ExitError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { type Extra, GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { sendAfter } from "../../../src/runtime/process/timers.ts";
import { self } from "../../../src/runtime/process/spawn.ts";
import { downMessage, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, killAfterTest } = useProcesses();

/**
 * A server scripted by its messages: each request or message names the extra its result carries,
 * and every callback reports what it ran to `report`.
 */
interface S {
  readonly report: Pid;
}

type Step = readonly [label: string, extra?: Extra | "none"];

class Scripted extends GenServer<S> {
  override init([report, extra]: readonly [Pid, Extra | undefined]) {
    send(self(), "queued in init");
    send(report, ["init"]);
    return extra === undefined ? (["ok", { report }] as const) : (["ok", { report }, extra] as const);
  }

  override handleCall([label, extra]: Step, _from: From, s: S) {
    send(s.report, ["call", label]);
    return extra === undefined || extra === "none" ? (["reply", label, s] as const) : (["reply", label, s, extra] as const);
  }

  override handleCast([label, extra]: Step, s: S) {
    send(s.report, ["cast", label]);
    return extra === undefined || extra === "none" ? (["noreply", s] as const) : (["noreply", s, extra] as const);
  }

  override handleInfo(msg: unknown, s: S) {
    send(s.report, ["info", msg]);
    return ["noreply", s] as const;
  }

  override async handleContinue(cont: unknown, s: S) {
    // Async on purpose: messages that arrive meanwhile must still wait.
    await new Promise<void>((resolve) => setImmediate(resolve));
    send(s.report, ["continue", cont]);
    if (cont === "chain") return ["noreply", s, { continue: "chained" }] as const;
    if (cont === "throw") throw new Error("continue blew up");
    if (cont === "stop") return ["stop", "normal", s] as const;
    if (cont === "bad") return ["noreply", s, "nap"] as never;
    return ["noreply", s] as const;
  }

  override terminate(reason: unknown, s: S) {
    send(s.report, ["terminate", reason]);
  }
}

/** The next `n` reports, in order. */
async function reports(box: ReturnType<typeof inbox>, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(await box.receive(undefined, WAIT));
  return out;
}

async function start(extra?: Extra) {
  const box = inbox();
  const pid = await Scripted.start([box.pid, extra]);
  killAfterTest(pid);
  return { box, pid };
}

describe("GenServer continue", () => {
  it("init's continue runs after start resolved, before any message (even one queued in init)", async () => {
    const { box, pid } = await start({ continue: "load" });
    send(pid, "sent after start");
    expect(await reports(box, 4)).toEqual([["init"], ["continue", "load"], ["info", "queued in init"], ["info", "sent after start"]]);
  });

  it("a continue from a continue chains, still before any message", async () => {
    const { box, pid } = await start({ continue: "chain" });
    send(pid, "waiting");
    expect(await reports(box, 5)).toEqual([["init"], ["continue", "chain"], ["continue", "chained"], ["info", "queued in init"], ["info", "waiting"]]);
  });

  it("continues from handleCall (after the reply), handleCast and handleInfo results", async () => {
    const { box, pid } = await start();
    await reports(box, 2);
    expect(await GenServer.call(pid, ["c", { continue: "after call" }])).toBe("c");
    GenServer.cast(pid, ["k", { continue: "after cast" }]);
    send(pid, "last");
    expect(await reports(box, 5)).toEqual([["call", "c"], ["continue", "after call"], ["cast", "k"], ["continue", "after cast"], ["info", "last"]]);
  });

  it("a throw in handleContinue crashes the server with a report naming handleContinue", async () => {
    const box = inbox();
    const pid = await Scripted.start([box.pid, { continue: "throw" }]);
    const ref = await box.run(() => monitor(pid));
    expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, new Error("continue blew up")]);
    expect(logs.errors()[0]).toMatchObject({ callback: "handleContinue", reason: expect.stringContaining("continue blew up") });
    expect(box.peek()).toContainEqual(["terminate", new Error("continue blew up")]);
  });

  it("handleContinue may stop the server; a bad result is a BadReturnError naming handleContinue", async () => {
    const { box, pid } = await start({ continue: "stop" });
    expect(await reports(box, 3)).toEqual([["init"], ["continue", "stop"], ["terminate", "normal"]]);
    const other = inbox();
    const bad = await Scripted.start([other.pid, { continue: "bad" }]);
    const ref = await other.run(() => monitor(bad));
    const [, , , , reason] = (await downMessage(other, ref)) as unknown[];
    expect(reason).toBeInstanceOf(BadReturnError);
    expect((reason as BadReturnError).callback).toBe("handleContinue");
    expect(pid).toBeDefined();
  });

  it("a server without handleContinue stops with ['bad_continue', cont]", async () => {
    class NoContinue extends GenServer<null> {
      override init() {
        return ["ok", null, { continue: "x" }] as const;
      }
    }
    // Linked and trapping: the continue runs as soon as start resolves, before a monitor could be set.
    const box = inbox(true);
    const pid = await box.run(() => NoContinue.startLink(null));
    expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", pid, ["bad_continue", "x"]]);
  });
});

describe("GenServer idle timeouts", () => {
  it("handleInfo('timeout') after that many idle ms, from init's result too", async () => {
    const { box } = await start(10);
    expect(await reports(box, 2)).toEqual([["init"], ["info", "queued in init"]]);
    // The queued message came first: it cancelled init's timeout, and its own result set none.
    const clock = inbox();
    sendAfter(clock.pid, "later", 40);
    await clock.receive(undefined, WAIT);
    expect(box.peek()).toEqual([]);
  });

  it("fires when nothing came, once", async () => {
    const { box, pid } = await start();
    await reports(box, 2);
    GenServer.cast(pid, ["idle", 10]);
    expect(await reports(box, 2)).toEqual([["cast", "idle"], ["info", "timeout"]]);
    const clock = inbox();
    sendAfter(clock.pid, "later", 30);
    await clock.receive(undefined, WAIT);
    expect(box.peek()).toEqual([]);
  });

  it("is cancelled by any message", async () => {
    const { box, pid } = await start();
    await reports(box, 2);
    GenServer.cast(pid, ["idle", 20]);
    send(pid, "came first");
    const clock = inbox();
    sendAfter(clock.pid, "later", 50);
    await clock.receive(undefined, WAIT);
    expect(await reports(box, 2)).toEqual([["cast", "idle"], ["info", "came first"]]);
    expect(box.peek()).toEqual([]);
  });

  it("Infinity means none; 0 fires at once when the mailbox is empty", async () => {
    const { box, pid } = await start();
    await reports(box, 2);
    expect(await GenServer.call(pid, ["forever", Infinity])).toBe("forever");
    expect(await GenServer.call(pid, ["now", 0])).toBe("now");
    expect(await reports(box, 3)).toEqual([["call", "forever"], ["call", "now"], ["info", "timeout"]]);
  });

  it("a bad timeout is a BadReturnError naming the callback", async () => {
    const { pid } = await start();
    const err = (await GenServer.call(pid, ["bad", -1 as never]).catch((e: unknown) => e)) as ExitError;
    expect(err).toBeInstanceOf(ExitError);
    expect(err.reason).toBeInstanceOf(BadReturnError);
    expect((err.reason as BadReturnError).callback).toBe("handleCall");
    expect((err.reason as BadReturnError).message).toMatch(/^bad return value from handleCall: \["reply", "bad", \{report: #PID<0\.\d+\.0>\}, -1\]$/);
  });
});

describe("GenServer hibernate", () => {
  it("is accepted in every result and changes nothing", async () => {
    const { box, pid } = await start("hibernate");
    expect(await GenServer.call(pid, ["h", "hibernate"])).toBe("h");
    GenServer.cast(pid, ["hc", "hibernate"]);
    expect(await reports(box, 4)).toEqual([["init"], ["info", "queued in init"], ["call", "h"], ["cast", "hc"]]);
  });
});
