// Module-based supervisors, as Elixir's `use Supervisor` with init/1 (API.md §8a): init runs in the
// supervisor's process, Supervisor.init builds its answer, ["ignore"] is OTP's :ignore.
import { describe, expect, it } from "vitest";
import type { ChildSpec } from "../../src/runtime/behaviours/child-spec-types.ts";
import { BadReturnError, OptionsError, StartError } from "../../src/runtime/errors.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { Inbox } from "../../src/runtime/process/inbox.ts";
import { send, whereis } from "../../src/runtime/names/names.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { isAlive, self } from "../../src/runtime/process/spawn.ts";
import { DynamicSupervisor } from "../../src/supervisor/dynamic-supervisor.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { down, rejection, started, useSupervisorTest, watch, worker, Worker } from "./support.ts";

let inbox: Inbox;
const { logs, stopAfterTest } = useSupervisorTest((box) => (inbox = box));

/** Reports the process its init runs in, then supervises one Worker per id. */
class Pool extends Supervisor {
  override init(arg: { readonly ids: readonly string[]; readonly report: Pid }) {
    send(arg.report, ["init_in", self()]);
    return Supervisor.init(
      arg.ids.map((id) => [Worker, { id, report: arg.report }] as const).map(([, w]) => ({ id: w.id, start: () => Worker.startLink(w) })),
      { strategy: "one_for_all", maxRestarts: 1 },
    );
  }
}

/** Elixir's `def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: __MODULE__)`. */
class NamedPool extends Pool {
  static override startLink(report: Pid): Promise<Pid> {
    return Supervisor.startLink(NamedPool, { ids: ["n"], report }, { name: "named_pool" });
  }
  static override childSpec(report: Pid): ChildSpec {
    return { ...Supervisor.childSpec(NamedPool, { ids: ["n"], report }), start: () => NamedPool.startLink(report) };
  }
}

class Ignores extends Supervisor {
  override init(_arg: unknown) {
    return ["ignore"] as const;
  }
}

/** Whatever init is given, it returns. */
class Echo extends Supervisor {
  override init(answer: unknown) {
    return answer as ReturnType<Supervisor["init"]>;
  }
}

describe("module-based Supervisor", () => {
  it("runs init(arg) in the supervisor's own process and starts what it returns", async () => {
    const sup = stopAfterTest(await Pool.startLink({ ids: ["a", "b"], report: inbox.pid }, { name: "pool" }));
    expect(await inbox.receive((m) => (Array.isArray(m) && m[0] === "init_in" ? m[1] : undefined), 1000)).toBe(sup);
    const a = await started(inbox, "a");
    const b = await started(inbox, "b");
    expect(whereis("pool")).toBe(sup);
    expect(await Supervisor.whichChildren(sup)).toEqual([
      { id: "b", pid: b, type: "worker" },
      { id: "a", pid: a, type: "worker" },
    ]);
    // The flags from Supervisor.init apply: one_for_all restarts both.
    GenServer.cast(a, "crash");
    expect([await started(inbox, "a"), await started(inbox, "b")]).not.toContain(a);
  });

  it("is a child as [Module, arg]: id the class, type supervisor, shutdown infinity", async () => {
    const arg = { ids: ["c"], report: inbox.pid };
    expect(Pool.childSpec(arg)).toMatchObject({ id: Pool, type: "supervisor", shutdown: "infinity" });
    const top = stopAfterTest(await Supervisor.startLink([[Pool, arg]], { strategy: "one_for_one" }));
    await started(inbox, "c");
    expect(await Supervisor.whichChildren(top)).toEqual([{ id: Pool, pid: expect.anything(), type: "supervisor" }]);
  });

  it("lets a subclass declare start_link/1 and child_spec/1 of its own", async () => {
    const top = stopAfterTest(await Supervisor.startLink([[NamedPool, inbox.pid]], { strategy: "one_for_one" }));
    await started(inbox, "n");
    expect(await Supervisor.whichChildren(top)).toEqual([{ id: NamedPool, pid: whereis("named_pool"), type: "supervisor" }]);
  });

  it("treats ['ignore'] as OTP's ignore: the start rejects 'ignore', nothing is logged, nothing lives on", async () => {
    const err = await rejection(Ignores.startLink(undefined, { name: "ignored" }));
    expect(err).toBeInstanceOf(StartError);
    expect((err as StartError).reason).toBe("ignore");
    expect(whereis("ignored")).toBeUndefined();
    expect(logs.errors()).toEqual([]);
  });

  it("keeps an ignoring child, not running, at boot and on startChild, as OTP does", async () => {
    const top = stopAfterTest(await Supervisor.startLink([Ignores, worker("w", inbox)], { strategy: "one_for_one" }));
    const w = await started(inbox, "w");
    expect(await Supervisor.whichChildren(top)).toEqual([
      { id: "w", pid: w, type: "worker" },
      { id: Ignores, pid: undefined, type: "supervisor" },
    ]);
    const again = await rejection(Supervisor.restartChild(top, Ignores));
    expect((again as StartError).reason).toBe("ignore");
    const added = await rejection(Supervisor.startChild(top, { ...Ignores.childSpec(undefined), id: "late" }));
    expect((added as StartError).reason).toBe("ignore");
    expect(await Supervisor.countChildren(top)).toEqual({ specs: 3, active: 1, supervisors: 2, workers: 1 });
    // A temporary child that ignores is not kept.
    await rejection(Supervisor.startChild(top, { ...Ignores.childSpec(undefined), id: "temp", restart: "temporary" }));
    expect((await Supervisor.countChildren(top)).specs).toBe(3);
  });

  it("keeps a child that ignores its restart terminated, and a DynamicSupervisor keeps none", async () => {
    let ignore = false;
    const spec: ChildSpec = { id: "f", start: () => (ignore ? Ignores.startLink(undefined) : Worker.startLink({ id: "f", report: inbox.pid })) };
    const top = stopAfterTest(await Supervisor.startLink([spec], { strategy: "one_for_one" }));
    const f = await started(inbox, "f");
    ignore = true;
    GenServer.cast(f, "crash");
    await down(inbox, await watch(inbox, f));
    // The restart ran before whichChildren's call was handled: the child is kept, not running.
    expect(await Supervisor.whichChildren(top)).toEqual([{ id: "f", pid: undefined, type: "worker" }]);
    expect(isAlive(top)).toBe(true);

    const dyn = stopAfterTest(await DynamicSupervisor.startLink());
    const err = await rejection(DynamicSupervisor.startChild(dyn, [Ignores, undefined]));
    expect((err as StartError).reason).toBe("ignore");
    expect(await DynamicSupervisor.countChildren(dyn)).toMatchObject({ specs: 0 });
  });

  it("fails the start on a bad init answer, naming init, the value or the offending flag", async () => {
    const bad = await rejection(Echo.startLink(["ok", []]));
    expect((bad as StartError).reason).toBeInstanceOf(BadReturnError);
    expect((bad as StartError).reason).toMatchObject({ callback: "init", value: ["ok", []] });

    const flags = await rejection(Echo.startLink(Supervisor.init([], { strategy: "one_for_none" as never })));
    expect((flags as StartError).reason).toBeInstanceOf(OptionsError);
    expect(((flags as StartError).reason as Error).message).toMatch(/strategy.*one_for_none/);

    const named = await rejection(Echo.startLink(Supervisor.init([], { strategy: "one_for_one", name: "x" } as never)));
    expect(((named as StartError).reason as Error).message).toMatch(/name/);

    const child = await rejection(Echo.startLink(["ok", [{ id: "x" }], { strategy: "one_for_one" }]));
    expect(((child as StartError).reason as Error).message).toMatch(/child spec "x"\.start/);
    expect(logs.errors().map((l) => l["callback"])).toEqual(["init", "init", "init", "init"]);
  });

  it("rejects a module form given something that is not a Supervisor class", async () => {
    expect(() => Supervisor.childSpec(Worker as never, 1 as never)).toThrow(OptionsError);
    const err = await rejection(Supervisor.startLink(Worker as never, 1 as never));
    expect(err).toBeInstanceOf(OptionsError);
    expect(err.message).toMatch(/Worker.*a class that extends Supervisor|a class that extends Supervisor.*Worker/);
  });

  it("gives GenServer and GenStatem the Base.childSpec(Module, arg) form too", () => {
    expect(GenServer.childSpec(Worker, { id: "x", report: inbox.pid })).toMatchObject({ id: Worker });
    expect(() => GenServer.childSpec(0 as never, undefined)).toThrow(OptionsError);
  });
});
