import { describe, expect, it } from "vitest";
import { BadReturnError, ExitError, NoProcError, OptionsError, StartError } from "../../../src/runtime/errors.ts";
import { Agent } from "../../../src/runtime/behaviours/agent.ts";
import { sys } from "../../../src/runtime/behaviours/sys.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { whereis } from "../../../src/runtime/names/names.ts";
import { isAlive, self } from "../../../src/runtime/process/spawn.ts";
import { Supervisor } from "../../../src/supervisor/supervisor.ts";
import { downMessage, useLogCapture, useProcesses } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, killAfterTest } = useProcesses();

describe("Agent", () => {
  describe("Agent.start and Agent.startLink", () => {
    it("holds what fn returns, run inside the agent's process", async () => {
      const agent = await Agent.start(() => ["init in", self()]);
      killAfterTest(agent);
      expect(await Agent.get(agent, (s) => s)).toEqual(["init in", agent]);
    });

    it("awaits an async fn, and takes a name", async () => {
      const agent = await Agent.start(async () => 5, { name: "agent.test.named" });
      killAfterTest(agent);
      expect(whereis("agent.test.named")).toBe(agent);
      expect(await Agent.get("agent.test.named", (n: number) => n + 1)).toBe(6);
    });

    it("startLink links the agent to the caller", async () => {
      const parent = new Inbox();
      const box = inbox();
      const agent = await parent.run(() => Agent.startLink(() => 0));
      const ref = await box.run(() => monitor(agent));
      parent.close("boom");
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", agent, "boom"]);
    });

    it("rejects StartError with what fn threw", async () => {
      const err = (await Agent.start(() => {
        throw new Error("no state");
      }).catch((e: unknown) => e)) as StartError;
      expect(err).toBeInstanceOf(StartError);
      expect(err.reason).toEqual(new Error("no state"));
    });

    it("rejects OptionsError for a fn that is not a function, or a bad option", async () => {
      await expect(Agent.start(42 as never)).rejects.toThrow(/^invalid fn: expected a function, got 42$/);
      await expect(Agent.startLink(() => 1, { name: "" })).rejects.toThrow(OptionsError);
    });
  });

  describe("Agent.get, update, getAndUpdate, cast", () => {
    it("reads and changes the state, each fn inside the agent", async () => {
      const agent = await Agent.start(() => 1);
      killAfterTest(agent);
      await Agent.update(agent, (n: number) => n + 1);
      expect(await Agent.getAndUpdate(agent, (n: number) => [n * 10, n + 1] as const)).toBe(20);
      Agent.cast(agent, async (n: number) => n * 100);
      expect(await Agent.get(agent, (n: number) => [n, self()])).toEqual([300, agent]);
    });

    it("a fn that throws crashes the agent; the caller gets ExitError and a report names the callback", async () => {
      const agent = await Agent.start(() => 1);
      const err = (await Agent.get(agent, () => {
        throw new Error("bad read");
      }).catch((e: unknown) => e)) as ExitError;
      expect(err).toBeInstanceOf(ExitError);
      expect(err.reason).toEqual(new Error("bad read"));
      expect(isAlive(agent)).toBe(false);
      expect(logs.errors()[0]).toMatchObject({ module: "Agent", callback: "handleCall" });
    });

    it("a cast fn that throws crashes the agent too", async () => {
      const box = inbox();
      const agent = await Agent.start(() => 1);
      const ref = await box.run(() => monitor(agent));
      Agent.cast(agent, () => {
        throw "bad cast";
      });
      expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", agent, "bad cast"]);
      expect(logs.errors()[0]).toMatchObject({ callback: "handleCast" });
    });

    it("getAndUpdate with anything but [reply, state] crashes the agent with BadReturnError", async () => {
      const agent = await Agent.start(() => 1);
      const err = (await Agent.getAndUpdate(agent, () => 5 as never).catch((e: unknown) => e)) as ExitError;
      expect(err.reason).toBeInstanceOf(BadReturnError);
      expect((err.reason as Error).message).toBe("bad return value from Agent.getAndUpdate: 5");
    });

    it("rejects OptionsError for a fn that is not a function, leaving the agent intact", async () => {
      const agent = await Agent.start(() => 1);
      killAfterTest(agent);
      await expect(Agent.get(agent, "s" as never)).rejects.toThrow(/^invalid fn: expected a function, got "s"$/);
      await expect(Agent.update(agent, 1 as never)).rejects.toThrow(OptionsError);
      await expect(Agent.getAndUpdate(agent, null as never)).rejects.toThrow(OptionsError);
      expect(() => Agent.cast(agent, {} as never)).toThrow(OptionsError);
      expect(await Agent.get(agent, (n: number) => n)).toBe(1);
    });

    it("rejects NoProcError for an agent that is not running", async () => {
      await expect(Agent.get("agent.test.none", (s) => s)).rejects.toThrow(NoProcError);
    });
  });

  describe("Agent.stop", () => {
    it("stops the agent and waits", async () => {
      const agent = await Agent.start(() => 1);
      await Agent.stop(agent);
      expect(isAlive(agent)).toBe(false);
    });

    it("is a GenServer underneath: sys sees its state", async () => {
      const agent = await Agent.start(() => ({ hits: 3 }));
      killAfterTest(agent);
      expect(await sys.getState(agent)).toEqual({ hits: 3 });
    });
  });

  describe("Agent.childSpec", () => {
    it("runs under a Supervisor and restarts with the initial fn", async () => {
      const spec = Agent.childSpec(() => 0, { name: "agent.test.sup" });
      expect(spec).toMatchObject({ id: Agent });
      const sup = await Supervisor.startLink([spec], { strategy: "one_for_one" });
      killAfterTest(sup);
      await Agent.update("agent.test.sup", (n: number) => n + 5);
      expect(await Agent.get("agent.test.sup", (n: number) => n)).toBe(5);
      const first = whereis("agent.test.sup")!;
      await Agent.get(first, () => {
        throw "crash";
      }).catch(() => undefined);
      const [child] = await Supervisor.whichChildren(sup);
      expect(child!.pid).not.toBe(first);
      expect(await Agent.get("agent.test.sup", (n: number) => n)).toBe(0);
    });

    it("throws OptionsError for a fn that is not a function", () => {
      expect(() => Agent.childSpec(undefined as never)).toThrow(/^invalid fn: expected a function, got undefined$/);
    });
  });
});
