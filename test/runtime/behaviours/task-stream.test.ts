import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionsError, TimeoutError } from "../../../src/runtime/errors.ts";
import { Task } from "../../../src/runtime/behaviours/task.ts";
import type { StreamResult } from "../../../src/runtime/behaviours/task-stream.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, self, spawnMonitor, trapExit } from "../../../src/runtime/process/spawn.ts";
import { downMessage, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox } = useProcesses();

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of stream) out.push(r);
  return out;
}

/** Waits for a "go" message in the task's process, then returns `value`. */
async function whenTold<T>(value: T): Promise<T> {
  await receive((m) => (m === "go" ? m : undefined));
  return value;
}

describe("Task.asyncStream", () => {
  it("maps every item in a task of its own, in input order by default", async () => {
    const results = await collect(Task.asyncStream([1, 2, 3, 4], async (n) => [n * 10, self()] as const, { maxConcurrency: 2 }));
    expect(results.map((r) => r[0] === "ok" && r[1][0])).toEqual([10, 20, 30, 40]);
    expect(new Set(results.map((r) => r[0] === "ok" && r[1][1])).size).toBe(4);
  });

  it("ordered: results wait for the items before them", async () => {
    const box = inbox();
    const stream = Task.asyncStream(
      ["slow", "fast"],
      async (item) => {
        send(box.pid, [item, self()]);
        return item === "fast" ? item : whenTold(item);
      },
      { maxConcurrency: 2 },
    );
    const consumer = collect(stream);
    const [, slow] = (await box.receive((m) => (Array.isArray(m) && m[0] === "slow" ? m : undefined), WAIT)) as [string, Pid];
    await box.receive((m) => (Array.isArray(m) && m[0] === "fast" ? m : undefined), WAIT);
    send(slow, "go");
    expect(await consumer).toEqual([
      ["ok", "slow"],
      ["ok", "fast"],
    ]);
  });

  it("unordered: each result as soon as its task ends", async () => {
    const box = inbox();
    const seen: unknown[] = [];
    const stream = Task.asyncStream(
      ["slow", "fast"],
      async (item) => {
        send(box.pid, [item, self()]);
        return item === "fast" ? item : whenTold(item);
      },
      { maxConcurrency: 2, ordered: false },
    );
    for await (const r of stream) {
      seen.push(r);
      if (r[1] === "fast") {
        const [, slow] = (await box.receive((m) => (Array.isArray(m) && m[0] === "slow" ? m : undefined), WAIT)) as [string, Pid];
        send(slow, "go");
      }
    }
    expect(seen).toEqual([
      ["ok", "fast"],
      ["ok", "slow"],
    ]);
  });

  it("never runs more than maxConcurrency tasks at once", async () => {
    let alive = 0;
    let most = 0;
    const results = await collect(
      Task.asyncStream(
        Array.from({ length: 40 }, (_, i) => i),
        async (i) => {
          most = Math.max(most, ++alive);
          await new Promise<void>((resolve) => setImmediate(resolve));
          alive--;
          return i;
        },
        { maxConcurrency: 3, ordered: false },
      ),
    );
    expect(results).toHaveLength(40);
    expect(most).toBe(3);
  });

  it("pulls no more than maxConcurrency items ahead of the consumer", async () => {
    const box = inbox();
    let pulled = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const it = Task.asyncStream(source(), (i) => {
      send(box.pid, ["done", i]);
      return i;
    }, { maxConcurrency: 4 })[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: ["ok", 0] });
    // The consumer holds on: the tasks already pulled finish, and nothing more is pulled.
    for (let i = 0; i < 4; i++) await box.receive((m) => (Array.isArray(m) && m[0] === "done" && m[1] === i ? m : undefined), WAIT);
    expect(pulled).toBe(4);
    await it.return?.();
  });

  it("breaking out of the loop kills the tasks still running and closes the source", async () => {
    const box = inbox();
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const pids: Pid[] = [];
    for await (const r of Task.asyncStream(source(), (i) => (i === 0 ? i : (send(box.pid, ["held", self()]), whenTold(i))), { maxConcurrency: 3 })) {
      expect(r).toEqual(["ok", 0]);
      for (let i = 0; i < 2; i++) pids.push((await box.receive((m) => (Array.isArray(m) && m[0] === "held" ? m[1] : undefined), WAIT)) as Pid);
      break;
    }
    expect(closed).toBe(true);
    expect(pids.map(isAlive)).toEqual([false, false]);
  });

  it("onTimeout 'kill_task' emits ['exit', 'timeout'] for that item and goes on", async () => {
    const results = await collect(Task.asyncStream([1, 2, 3], (i) => (i === 2 ? whenTold(i) : i), { timeoutMs: 20, onTimeout: "kill_task" }));
    expect(results).toEqual([
      ["ok", 1],
      ["exit", "timeout"],
      ["ok", 3],
    ]);
  });

  it("onTimeout 'exit' rejects TimeoutError outside a process, killing every task", async () => {
    const box = inbox();
    const err = await collect(
      Task.asyncStream([1, 2], (i) => (send(box.pid, ["held", self()]), whenTold(i)), { timeoutMs: 10, maxConcurrency: 2 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe("Task.asyncStream timed out after 10 ms");
    const held = box.peek().map((m) => (m as [string, Pid])[1]);
    expect(held.map(isAlive)).toEqual([false, false]);
  });

  it("onTimeout 'exit' inside a process exits it with ['timeout', ['Task.asyncStream', [ms]]]", async () => {
    const box = inbox();
    const [, ref] = await box.run(() => spawnMonitor(() => collect(Task.asyncStream([1], whenTold, { timeoutMs: 10 }))));
    const down = (await downMessage(box, ref)) as unknown[];
    expect(down[4]).toEqual(["timeout", ["Task.asyncStream", [10]]]);
  });

  it("a crashing task takes the caller down", async () => {
    const box = inbox();
    const [pid, ref] = await box.run(() =>
      spawnMonitor(async () => {
        await collect(
          Task.asyncStream([1, 2], (i) => {
            if (i === 2) throw new Error("item 2 failed");
            return i;
          }),
        );
        send(box.pid, "not reached");
      }),
    );
    expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, new Error("item 2 failed")]);
    expect(box.peek()).toEqual([]);
  });

  it("a caller that traps exits gets ['exit', reason] and no EXIT messages", async () => {
    const box = inbox();
    const results = await box.run(async () => {
      trapExit(true);
      return collect(Task.asyncStream([1, 2, 3], (i) => {
        if (i === 2) throw "bad";
        return i;
      }));
    });
    expect(results).toEqual([
      ["ok", 1],
      ["exit", "bad"],
      ["ok", 3],
    ]);
    expect(box.peek()).toEqual([]);
  });

  it("the caller's exit ends its tasks", async () => {
    const box = inbox();
    const [caller] = await box.run(() => spawnMonitor(() => collect(Task.asyncStream([1], (i) => (send(box.pid, ["held", self()]), whenTold(i))))));
    const task = (await box.receive((m) => (Array.isArray(m) && m[0] === "held" ? m[1] : undefined), WAIT)) as Pid;
    const ref = await box.run(() => monitor(task));
    exit(caller, "kill");
    expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", task, "killed"]);
  });

  it("takes sync iterables, and matches Array.map for any items and concurrency (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), async (items, maxConcurrency, ordered) => {
        const results = await collect(Task.asyncStream(new Set(items.map((n, i) => [i, n] as const)), async ([, n]) => n * 2, { maxConcurrency, ordered }));
        const values = results.map((r: StreamResult<number>) => (r[0] === "ok" ? r[1] : NaN));
        const expected = items.map((n) => n * 2);
        if (ordered) expect(values).toEqual(expected);
        else expect([...values].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      }),
      { numRuns: 40 },
    );
  });

  it("throws OptionsError at once for bad items, fn or options", () => {
    expect(() => Task.asyncStream(5 as never, (x) => x)).toThrow(/^invalid items: expected an Iterable or an AsyncIterable, got 5$/);
    expect(() => Task.asyncStream([1], "f" as never)).toThrow(/^invalid fn: expected a function, got "f"$/);
    expect(() => Task.asyncStream([1], (x) => x, { maxConcurrency: 0 })).toThrow(/^invalid maxConcurrency: expected a positive integer, got 0$/);
    expect(() => Task.asyncStream([1], (x) => x, { ordered: "yes" as never })).toThrow(/^invalid ordered: expected a boolean, got "yes"$/);
    expect(() => Task.asyncStream([1], (x) => x, { timeoutMs: -5 })).toThrow(/^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got -5$/);
    expect(() => Task.asyncStream([1], (x) => x, { onTimeout: "ignore" as never })).toThrow(/^invalid onTimeout: expected "exit" or "kill_task", got "ignore"$/);
    expect(() => Task.asyncStream([1], (x) => x, { max: 2 } as never)).toThrow(OptionsError);
    expect(() => Task.asyncStream([1], (x) => x, null as never)).toThrow(/^invalid options: expected/);
  });

  it("a source that throws rejects the iteration with its error and kills the tasks", async () => {
    const box = inbox();
    let pid: Pid | undefined;
    async function* source(): AsyncGenerator<number> {
      yield 1;
      // The source breaks once the first task runs: that task is the one that must be killed.
      pid = await box.receive((m) => (Array.isArray(m) && m[0] === "held" ? (m[1] as Pid) : undefined), WAIT);
      throw new Error("source broke");
    }
    const err = await collect(Task.asyncStream(source(), (i) => (send(box.pid, ["held", self()]), whenTold(i)), { maxConcurrency: 2 })).catch((e: unknown) => e);
    expect(err).toEqual(new Error("source broke"));
    expect(isAlive(pid!)).toBe(false);
  });
});
