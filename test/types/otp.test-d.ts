import { describe, expectTypeOf, it } from "vitest";
import { Agent, type CastResult, type ChildSpec, type Extra, GenServer, type Pid, type StreamResult, Task, type TaskResult, TaskSupervisor } from "../../src/index.ts";

describe("Task types", () => {
  it("carries the function's result type, promises unwrapped", () => {
    expectTypeOf(Task.async(() => 1)).toEqualTypeOf<Task<number>>();
    expectTypeOf(Task.async(async () => "s")).toEqualTypeOf<Task<string>>();
    expectTypeOf(Task.await(Task.async(() => 1))).toEqualTypeOf<Promise<number>>();
    expectTypeOf(Task.yield(Task.async(() => 1))).toEqualTypeOf<Promise<TaskResult<number>>>();
    expectTypeOf(Task.shutdown(Task.async(() => 1), "brutal_kill")).toEqualTypeOf<Promise<TaskResult<number>>>();
    // @ts-expect-error: a Task<number> is not a Task<string>
    const wrong: Task<string> = Task.async(() => 1);
    void wrong;
    // @ts-expect-error: only a timeout or "brutal_kill"
    void Task.shutdown(Task.async(() => 1), "kill");
  });

  it("types asyncStream's results by the function's, mixed sync and async", () => {
    const stream = Task.asyncStream([1, 2], (n) => (n > 1 ? Promise.resolve("big") : n));
    expectTypeOf(stream).toEqualTypeOf<AsyncIterable<StreamResult<number | string>>>();
    // @ts-expect-error: onTimeout is "exit" or "kill_task"
    void Task.asyncStream([1], (n) => n, { onTimeout: "ignore" });
  });

  it("start, startLink and childSpec", () => {
    expectTypeOf(Task.start(() => 1)).toEqualTypeOf<Pid>();
    expectTypeOf(Task.startLink(() => 1)).toEqualTypeOf<Pid>();
    expectTypeOf(Task.childSpec(() => 1)).toEqualTypeOf<ChildSpec>();
  });
});

describe("TaskSupervisor and Agent types", () => {
  it("TaskSupervisor.async resolves a typed Task", () => {
    expectTypeOf(TaskSupervisor.async("sup", async () => 1)).toEqualTypeOf<Promise<Task<number>>>();
    expectTypeOf(TaskSupervisor.startChild("sup", () => 1)).toEqualTypeOf<Promise<Pid>>();
  });

  it("Agent functions take the state type and resolve their result", () => {
    expectTypeOf(Agent.get("a", (m: Map<string, number>) => m.get("k"))).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(Agent.getAndUpdate("a", (n: number) => [String(n), n + 1] as const)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(Agent.update("a", (n: number) => n + 1)).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error: update must return the state type
    void Agent.update("a", (n: number) => String(n));
  });
});

describe("GenServer result extras", () => {
  it("accepts a continue, a timeout or hibernate as the last element, nothing else", () => {
    class Loader extends GenServer<number> {
      override init() {
        return ["ok", 0, { continue: "load" }] as const;
      }
      override handleContinue(_cont: unknown, n: number) {
        return ["noreply", n + 1, 5000] as const;
      }
      override handleCast(_msg: unknown, n: number) {
        return ["noreply", n, "hibernate"] as const;
      }
    }
    void Loader;
    expectTypeOf<{ continue: "x" }>().toMatchTypeOf<Extra>();
    expectTypeOf<readonly ["noreply", number, 100]>().toMatchTypeOf<CastResult<number>>();
    expectTypeOf<readonly ["noreply", number, "sleep"]>().not.toMatchTypeOf<CastResult<number>>();
  });
});
