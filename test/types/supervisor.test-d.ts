import { describe, expectTypeOf, it } from "vitest";
import type { Child, ChildSpec } from "../../src/runtime/behaviours/child-spec-types.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { DynamicSupervisor } from "../../src/supervisor/dynamic-supervisor.ts";
import { shutdownOnSignals } from "../../src/supervisor/graceful.ts";
import { type ChildCounts, type ChildInfo, Supervisor } from "../../src/supervisor/supervisor.ts";

class Worker extends GenServer<number> {}

describe("supervisor types", () => {
  it("accepts the three child forms, supervisors included", () => {
    expectTypeOf<ChildSpec>().toExtend<Child>();
    expectTypeOf([Worker, 1] as const).toExtend<Child>();
    expectTypeOf(Worker).toExtend<Child>();
    expectTypeOf([Supervisor, [[Worker], { strategy: "one_for_all" }]] as const).toExtend<Child>();
    expectTypeOf(DynamicSupervisor.childSpec({ maxChildren: 10 })).toEqualTypeOf<ChildSpec>();
  });

  it("types the answers", () => {
    expectTypeOf(Supervisor.startLink([Worker], { strategy: "one_for_one" })).toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Supervisor.startChild).returns.toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Supervisor.restartChild).returns.toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Supervisor.terminateChild).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(Supervisor.whichChildren).returns.toEqualTypeOf<Promise<ChildInfo[]>>();
    expectTypeOf<ChildInfo["pid"]>().toEqualTypeOf<Pid | "restarting" | undefined>();
    expectTypeOf(Supervisor.countChildren).returns.toEqualTypeOf<Promise<ChildCounts>>();
    expectTypeOf(DynamicSupervisor.startChild).returns.toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(shutdownOnSignals).returns.toEqualTypeOf<() => void>();
  });

  it("rejects bad options at compile time", () => {
    // @ts-expect-error strategy is required
    void Supervisor.startLink([], {});
    // @ts-expect-error not a strategy
    void Supervisor.startLink([], { strategy: "simple_one_for_one" });
    // @ts-expect-error DynamicSupervisor.terminateChild takes a Pid
    void DynamicSupervisor.terminateChild("sup", "id");
  });
});
