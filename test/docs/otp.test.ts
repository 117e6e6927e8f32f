// The @example blocks of Task, TaskSupervisor, Agent and Registry's PubSub, run as written (with
// the functions they assume).
import { describe, expect, it } from "vitest";
import { Agent } from "../../src/runtime/behaviours/agent.ts";
import { Task } from "../../src/runtime/behaviours/task.ts";
import { Registry } from "../../src/runtime/names/registry.ts";
import { send } from "../../src/runtime/names/names.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import { exit } from "../../src/runtime/process/spawn.ts";
import { TaskSupervisor } from "../../src/supervisor/task-supervisor.ts";
import { useLogCapture } from "../helpers/runtime.ts";

useLogCapture();

const fetchPrice = async (symbol: string): Promise<number> => (symbol === "btc" ? 97_000 : 0);

describe("docs: Task, TaskSupervisor, Agent, Registry PubSub", () => {
  it("Task", async () => {
    const task = Task.async(() => fetchPrice("btc"));
    expect(await Task.await(task)).toBe(97_000);
  });

  it("TaskSupervisor", async () => {
    const reports: string[] = [];
    const sendReport = () => void reports.push("sent");
    const sup = await TaskSupervisor.startLink({ name: "tasks" });
    const task = await TaskSupervisor.async("tasks", () => fetchPrice("btc"));
    expect(await Task.await(task)).toBe(97_000);
    const pid = await TaskSupervisor.startChild("tasks", () => sendReport());
    const box = new Inbox();
    const ref = await box.run(() => monitor(pid));
    await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), 1000);
    expect(reports).toEqual(["sent"]);
    box.close();
    exit(sup, "shutdown");
  });

  it("Agent", async () => {
    const cache = await Agent.startLink(() => new Map<string, number>());
    await Agent.update(cache, (m: Map<string, number>) => m.set("btc", 97_000));
    expect(await Agent.get(cache, (m: Map<string, number>) => m.get("btc"))).toBe(97_000);
    await Agent.stop(cache);
  });

  it("Registry as a PubSub", async () => {
    const registry = await Registry.startLink({ keys: "duplicate", name: "topics" });
    const subscriber = new Inbox();
    await subscriber.run(() => Registry.register("topics", "prices", "filter"));
    Registry.dispatch("topics", "prices", (entries) => {
      for (const [pid] of entries) send(pid, ["price", 97_000]);
    });
    expect(await subscriber.receive(undefined, 1000)).toEqual(["price", 97_000]);
    subscriber.close();
    exit(registry, "kill");
  });
});
