import { describe, expect, it } from "vitest";
import { behaviourOf } from "../../src/runtime/behaviours/behaviour-process.ts";
import type { Inbox } from "../../src/runtime/process/inbox.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { lookup } from "../../src/runtime/process/process.ts";
import { exit } from "../../src/runtime/process/spawn.ts";
import { DynamicSupervisor } from "../../src/supervisor/dynamic-supervisor.ts";
import { describeSupervisor, isSupervisor } from "../../src/supervisor/introspection.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { started, useSupervisorTest, worker, Worker } from "./support.ts";

let inbox: Inbox;
const { stopAfterTest } = useSupervisorTest((box) => (inbox = box));

const host = (pid: Pid) => behaviourOf(lookup(pid)!)!;

describe("describeSupervisor", () => {
  it("reads a Supervisor's flags and children, and counts a restart in the window", async () => {
    const sup = stopAfterTest(
      await Supervisor.startLink([worker("a", inbox), worker("b", inbox, { restart: "transient" }), DynamicSupervisor.childSpec({ name: "dyn_intro" })], {
        strategy: "one_for_one",
        maxRestarts: 5,
        maxSeconds: 10,
      }),
    );
    const a = await started(inbox, "a");
    const b = await started(inbox, "b");
    const before = describeSupervisor(host(sup))!;
    expect(before).toMatchObject({ strategy: "one_for_one", maxRestarts: 5, maxSeconds: 10, restarts: 0 });
    expect(before.children.map((c) => [c.id, c.pid, c.type, c.restart])).toEqual([
      ["a", a, "worker", "permanent"],
      ["b", b, "worker", "transient"],
      ["dyn_intro", expect.anything(), "supervisor", "permanent"],
    ]);
    exit(a, "kill");
    const a2 = await started(inbox, "a");
    // Served once the restart is done: the supervisor has filed the new pid.
    await Supervisor.whichChildren(sup);
    const after = describeSupervisor(host(sup))!;
    expect(after.restarts).toBe(1);
    expect(after.children[0]!.pid).toBe(a2);
  });

  it("reads a DynamicSupervisor: no ids, children oldest first", async () => {
    const sup = stopAfterTest(await DynamicSupervisor.startLink({ maxRestarts: 2 }));
    const one = await DynamicSupervisor.startChild(sup, { id: "w", start: () => Worker.startLink({ id: "one", report: inbox.pid }) });
    const d = describeSupervisor(host(sup))!;
    expect(d).toMatchObject({ strategy: "one_for_one", maxRestarts: 2, maxSeconds: 5, restarts: 0 });
    expect(d.children).toEqual([{ id: undefined, pid: one, type: "worker", restart: "permanent", shutdown: 5000 }]);
  });

  it("is undefined for a process that is not a supervisor", async () => {
    const sup = stopAfterTest(await Supervisor.startLink([worker("w", inbox)], { strategy: "one_for_one" }));
    const w = await started(inbox, "w");
    expect(describeSupervisor(host(w))).toBeUndefined();
    expect(isSupervisor(host(w))).toBe(false);
    expect(isSupervisor(host(sup))).toBe(true);
  });
});
