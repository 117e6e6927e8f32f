// Timers beyond Node's 2^31-1 ms limit: setTimeout fires after 1 ms instead, with a
// TimeoutOverflowWarning, so a timer re-armed until a far deadline spins. Every timer of the
// library goes through timerDelay (or LongTimer, built on it); these tests keep it so.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cancelTimer, GenServer, GenStatem, sendAfter, Supervisor } from "../../src/index.ts";
import { call, CallRequest, reply } from "../../src/runtime/behaviours/gen-call.ts";
import { timerDelay } from "../../src/runtime/process/long-timer.ts";
import { ROOT } from "../helpers/run-example.ts";
import { useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";

const BEYOND = 2 ** 31;
const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
useLogCapture();
const procs = useProcesses();

beforeEach(() => {
  warnings.length = 0;
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

/** Node emits warnings on a later tick: one macrotask turn lets them all arrive. */
async function overflowWarnings(): Promise<Error[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.filter((w) => w.name === "TimeoutOverflowWarning");
}

class Waiter extends GenServer<undefined> {
  override init() {
    return ["ok", undefined] as const;
  }
}

describe("timers beyond 2^31-1 ms", () => {
  it("timerDelay clamps every delay into [1, 2^31-1]", () => {
    expect([0, -5, 0.5, 1, 1000, 2 ** 31 - 1, BEYOND, Infinity, Number.NaN].map(timerDelay)).toEqual([
      1, 1, 1, 1, 1000, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1,
    ]);
  });

  it("a call with a timeout of 2^31 ms arms no overflowing timer and still gets its reply", async () => {
    const target = procs.inbox();
    const answer = call(target.pid, "ping", BEYOND);
    const req = await target.receive((m) => (m instanceof CallRequest ? m : undefined), WAIT);
    expect(await overflowWarnings()).toEqual([]);
    reply(req.from, "pong");
    expect(await answer).toBe("pong");
  });

  it("a receive, a sendAfter and a GenStatem timeout of 2^31 ms arm no overflowing timer", async () => {
    const box = procs.inbox();
    const waiting = box.receive((m) => (m === "never" ? m : undefined), BEYOND);
    const timer = sendAfter(box.pid, "late", BEYOND);
    class Sleepy extends GenStatem<string, undefined> {
      override init() {
        return ["ok", "idle", undefined, [["state_timeout", BEYOND, "wake"]]] as const;
      }
      override handleEvent() {
        return ["keep_state_and_data"] as const;
      }
    }
    const pid = await Sleepy.start(undefined);
    procs.killAfterTest(pid);
    expect(await overflowWarnings()).toEqual([]);
    expect(cancelTimer(timer)).toBeGreaterThan(2 ** 31 - 1000);
    box.close();
    await expect(waiting).rejects.toThrow();
  });

  it("a start timeout and a supervisor shutdown of 2^31 ms arm no overflowing timer", async () => {
    const pid = await Waiter.start(undefined, { timeout: BEYOND });
    procs.killAfterTest(pid);
    const sup = await procs.inbox(true).run(() =>
      Supervisor.startLink([{ id: "w", start: () => Waiter.startLink(undefined), shutdown: BEYOND }], { strategy: "one_for_one" }),
    );
    await Supervisor.stop(sup);
    expect(await overflowWarnings()).toEqual([]);
  });

  it("every setTimeout in src takes its delay from timerDelay", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, "src"))) {
      const text = readFileSync(file, "utf8");
      // The rule is written so a regex can check it: setTimeout(handler, timerDelay(...), ...). A
      // setInterval may also take a named constant (a fixed period, far below the limit).
      for (const line of text.split("\n")) {
        if (line.includes("setTimeout(") && !/setTimeout\([\w.]+, timerDelay\(/.test(line)) offenders.push(`${file}: ${line.trim()}`);
        if (line.includes("setInterval(") && !/setInterval\(.*, (timerDelay\(|[A-Z][A-Z0-9_]*\))/.test(line)) offenders.push(`${file}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith(".ts")) yield path;
  }
}
