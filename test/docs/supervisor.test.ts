// The @example blocks of src/supervisor, run as written (with the classes they assume).
import { describe, expect, it } from "vitest";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { DynamicSupervisor } from "../../src/supervisor/dynamic-supervisor.ts";
import { shutdownOnSignals } from "../../src/supervisor/graceful.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { useLogCapture } from "../helpers/runtime.ts";

class Counter extends GenServer<number> {}
class Cache extends GenServer<unknown> {}
class Session extends GenServer<string> {}

useLogCapture();

describe("docs: supervisor", () => {
  it("Supervisor", async () => {
    const sup = await Supervisor.startLink([[Counter, 0], { id: "cache", start: () => Cache.startLink([]) }], {
      strategy: "one_for_one",
    });
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    expect(await Supervisor.terminateChild(sup, "cache")).toBeUndefined();
    const pid: Pid = await Supervisor.restartChild(sup, "cache");
    expect(pid).toBeDefined();
    await Supervisor.stop(sup);

    // Module-based, as `use Supervisor` with init/1:
    class Feeds extends Supervisor {
      override init(topics: string[]) {
        return Supervisor.init(topics.map((t) => ({ id: t, start: () => Counter.startLink(0) })), { strategy: "one_for_one" });
      }
    }
    const feeds = await Feeds.startLink(["btc", "eth"], { name: "feeds" });
    const top = await Supervisor.startLink([[Feeds, ["sol"]]], { strategy: "one_for_one" }); // Feeds.childSpec(["sol"])
    expect((await Supervisor.whichChildren(feeds)).map((c) => c.id)).toEqual(["eth", "btc"]);
    expect(await Supervisor.whichChildren(top)).toEqual([{ id: Feeds, pid: expect.anything(), type: "supervisor" }]);
    await Supervisor.stop(top);
    await Supervisor.stop(feeds);
  });

  it("DynamicSupervisor", async () => {
    const sup = await DynamicSupervisor.startLink({ maxChildren: 100 });
    const pid = await DynamicSupervisor.startChild(sup, [Session, "alice"]);
    expect(await DynamicSupervisor.countChildren(sup)).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    expect(await DynamicSupervisor.terminateChild(sup, pid)).toBeUndefined();
    await DynamicSupervisor.stop(sup);
  });

  it("shutdownOnSignals", async () => {
    const before = process.listenerCount("SIGTERM");
    const sup = await Supervisor.startLink([], { strategy: "one_for_one" });
    const uninstall = shutdownOnSignals(sup, { timeoutMs: 25_000 });
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    uninstall();
    expect(process.listenerCount("SIGTERM")).toBe(before);
    await Supervisor.stop(sup);
  });
});
