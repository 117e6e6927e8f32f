import { describe, expect, it } from "vitest";
import { BadReturnError, ExitError, OptionsError, StartError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenStatem } from "../../../src/runtime/behaviours/gen-statem.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send, whereis } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { exit, isAlive, trapExit } from "../../../src/runtime/process/spawn.ts";
import type { Action, EventType, StatemResult } from "../../../src/runtime/behaviours/statem-actions.ts";
import { sys } from "../../../src/runtime/behaviours/sys.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

const logs = useLogCapture();
const { inbox, killAfterTest } = useProcesses();

type S = string;
interface Data {
  readonly probe: Pid;
  readonly onEnter: ((old: S, state: S, data: Data) => StatemResult<S, Data>) | undefined;
  readonly n: number;
}
/** What a command does with the event: its result, given the state, data and event type. */
type Step = (state: S, data: Data, type: EventType) => StatemResult<S, Data>;
/** A command: a label (what the probe sees) and a step. */
type Command = readonly [label: string, step: Step];

interface InitArg {
  readonly probe: Pid;
  readonly state?: S;
  readonly actions?: readonly Action[];
  readonly onEnter?: Data["onEnter"];
  readonly init?: () => unknown;
}

/** Reports every event to the probe as ["ev", type, label, state], then runs the command it carries. */
class Machine extends GenStatem<S, Data> {
  override init(arg: InitArg) {
    if (arg.init !== undefined) return arg.init() as never;
    const data: Data = { probe: arg.probe, onEnter: arg.onEnter, n: 0 };
    return arg.actions === undefined ? (["ok", arg.state ?? "a", data] as const) : (["ok", arg.state ?? "a", data, arg.actions] as const);
  }

  override handleEvent(type: EventType, content: unknown, state: S, data: Data): StatemResult<S, Data> {
    const command = isCommand(content) ? content : undefined;
    send(data.probe, ["ev", typeLabel(type), command?.[0] ?? content, state]);
    if (type === "enter") return data.onEnter?.(content as S, state, data) ?? ["keep_state_and_data"];
    if (command !== undefined) return command[1](state, data, type);
    if (Array.isArray(type) && type[0] === "call") return ["keep_state_and_data", [["reply", type[1], ["echo", content]]]];
    return ["keep_state_and_data"];
  }

  override terminate(reason: unknown, state: S, data: Data): void {
    send(data.probe, ["terminate", reason, state, data.n]);
  }
}

function isCommand(value: unknown): value is Command {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "function";
}

function typeLabel(type: EventType): string {
  if (typeof type === "string") return type;
  return type[0] === "call" ? "call" : `timeout:${String(type[1])}`;
}

const keep: Step = () => ["keep_state_and_data"];
const goto =
  (next: S, actions: readonly Action[] = []): Step =>
  (_s, d) => ["next_state", next, d, actions];
const withActions =
  (actions: readonly Action[]): Step =>
  () => ["keep_state_and_data", actions];
const postpone: Step = () => ["keep_state_and_data", ["postpone"]];

async function start(arg: Omit<InitArg, "probe"> = {}): Promise<{ pid: Pid; box: Inbox }> {
  const box = inbox();
  const pid = await Machine.start({ ...arg, probe: box.pid });
  killAfterTest(pid);
  return { pid, box };
}

function cmd(pid: Pid, label: string, step: Step = keep): void {
  GenStatem.cast(pid, [label, step] satisfies Command);
}

/** Collects the probe's messages until one matches `last` (included). */
async function until(box: Inbox, last: (m: unknown[]) => boolean): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  for (;;) {
    const m = (await box.receive(undefined, WAIT)) as unknown[];
    seen.push(m);
    if (last(m)) return seen;
  }
}

/** Collects events until the one with this label. */
function upTo(box: Inbox, label: string): Promise<unknown[][]> {
  return until(box, (m) => m[0] === "ev" && m[2] === label);
}

describe("gen-statem", () => {
  describe("init", () => {
    it("starts in the state with an enter call whose old state is the state itself", async () => {
      const { pid, box } = await start({ state: "idle" });
      expect(await box.receive(undefined, WAIT)).toEqual(["ev", "enter", "idle", "idle"]);
      expect(await sys.getState(pid)).toEqual(["idle", expect.objectContaining({ n: 0 })]);
    });

    it("runs init's next_event actions after the enter call, before the mailbox", async () => {
      const { pid, box } = await start({ actions: [["next_event", "internal", "boot"]] });
      cmd(pid, "mail");
      expect(await upTo(box, "mail")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "internal", "boot", "a"],
        ["ev", "cast", "mail", "a"],
      ]);
    });

    it("starts init's state and generic timeouts", async () => {
      const { box } = await start({ actions: [["state_timeout", 1, "st"], [["timeout", "g"], 10, "gen"]] });
      expect(await until(box, (m) => m[1] === "timeout:g")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "state_timeout", "st", "a"],
        ["ev", "timeout:g", "gen", "a"],
      ]);
    });

    it("starts init's event timeout once the machine runs", async () => {
      const { box } = await start({ actions: [["timeout", 5, "idle"]] });
      expect(await until(box, (m) => m[1] === "timeout")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "timeout", "idle", "a"],
      ]);
    });

    it("cancels init's event timeout on the first event, rather than starting it then", async () => {
      const { pid, box } = await start({ actions: [["timeout", 10, "stale"]] });
      cmd(pid, "first", withActions([[["timeout", "s"], 30, "sentinel"]]));
      const seen = await until(box, (m) => typeof m[1] === "string" && m[1].startsWith("timeout"));
      expect(seen.at(-1)).toEqual(["ev", "timeout:s", "sentinel", "a"]);
    });

    it("['stop', reason] rejects StartError with that reason", async () => {
      const box = inbox();
      const err = await Machine.start({ probe: box.pid, init: () => ["stop", "no"] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toBe("no");
    });

    it("a malformed result rejects StartError with a BadReturnError", async () => {
      const box = inbox();
      const err = (await Machine.start({ probe: box.pid, init: () => ["ok", "a"] }).catch((e: unknown) => e)) as StartError;
      expect(err.reason).toBeInstanceOf(BadReturnError);
      expect((err.reason as Error).message).toMatch(/^bad return value from init: \["ok", "a"\]$/);
    });

    it("postpone among init's actions rejects StartError with a BadReturnError", async () => {
      const box = inbox();
      const err = (await Machine.start({ probe: box.pid, init: () => ["ok", "a", {}, ["postpone"]] }).catch((e: unknown) => e)) as StartError;
      expect(err.reason).toMatchObject({ name: "BadReturnError", callback: "init" });
    });
  });

  describe("state enter", () => {
    it("runs on every state change, with the old state, and not for next_state to the same state", async () => {
      const { pid, box } = await start();
      cmd(pid, "to b", goto("b"));
      cmd(pid, "b again", goto("b"));
      cmd(pid, "to a", goto("a"));
      expect(await until(box, (m) => m[1] === "enter" && m[3] === "a" && m[2] === "b")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "to b", "a"],
        ["ev", "enter", "a", "b"],
        ["ev", "cast", "b again", "b"],
        ["ev", "cast", "to a", "b"],
        ["ev", "enter", "b", "a"],
      ]);
    });

    it("compares states structurally", async () => {
      const box = inbox();
      const pid = await Machine.start({ probe: box.pid, state: ["conn", 1] as never });
      killAfterTest(pid);
      cmd(pid, "same", (_s, d) => ["next_state", ["conn", 1] as never, d]);
      cmd(pid, "mark");
      const seen = await upTo(box, "mark");
      expect(seen.filter((m) => m[1] === "enter")).toHaveLength(1);
    });

    it("re-runs on repeat_state", async () => {
      const { pid, box } = await start();
      cmd(pid, "repeat", (_s, d) => ["repeat_state", { ...d, n: 1 }]);
      cmd(pid, "mark");
      expect(await upTo(box, "mark")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "repeat", "a"],
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "mark", "a"],
      ]);
    });

    it("may update data, reply and set timeouts", async () => {
      const onEnter = (_old: S, state: S, data: Data): StatemResult<S, Data> =>
        state === "b" ? ["keep_state", { ...data, n: 7 }, [["state_timeout", 1, "from enter"]]] : ["keep_state_and_data"];
      const { pid, box } = await start({ onEnter });
      cmd(pid, "to b", goto("b"));
      expect((await until(box, (m) => m[1] === "state_timeout")).at(-1)).toEqual(["ev", "state_timeout", "from enter", "b"]);
      expect(await sys.getState(pid)).toEqual(["b", expect.objectContaining({ n: 7 })]);
    });

    it("returning next_state to another state crashes with BadReturnError", async () => {
      const onEnter = (_old: S, state: S, data: Data): StatemResult<S, Data> =>
        state === "b" ? ["next_state", "c", data] : ["keep_state_and_data"];
      const { pid, box } = await start({ onEnter });
      const ref = await box.run(() => monitor(pid));
      cmd(pid, "to b", goto("b"));
      const [, reason] = await until(box, (m) => m[0] === "terminate").then((s) => s.at(-1)!);
      expect(reason).toBeInstanceOf(BadReturnError);
      expect((reason as BadReturnError).callback).toBe("handleEvent");
      expect((reason as Error).message).toMatch(/^bad return value from handleEvent: \["next_state", "c", \{/);
      expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", pid, reason]);
      expect(logs.errors()[0]).toMatchObject({ callback: "handleEvent", module: "Machine" });
    });

    it("returning postpone crashes with BadReturnError", async () => {
      const onEnter = (_old: S, state: S): StatemResult<S, Data> => (state === "b" ? ["keep_state_and_data", ["postpone"]] : ["keep_state_and_data"]);
      const { pid, box } = await start({ onEnter });
      cmd(pid, "to b", goto("b"));
      const [, reason] = (await until(box, (m) => m[0] === "terminate")).at(-1)!;
      expect(reason).toBeInstanceOf(BadReturnError);
      expect((reason as BadReturnError).value).toEqual(["keep_state_and_data", ["postpone"]]);
      expect(isAlive(pid)).toBe(false);
    });

    it("returning next_event crashes with BadReturnError", async () => {
      const onEnter = (_old: S, state: S): StatemResult<S, Data> =>
        state === "b" ? ["keep_state_and_data", [["next_event", "internal", 1]]] : ["keep_state_and_data"];
      const { pid, box } = await start({ onEnter });
      cmd(pid, "to b", goto("b"));
      const [, reason] = (await until(box, (m) => m[0] === "terminate")).at(-1)!;
      expect(reason).toBeInstanceOf(BadReturnError);
    });
  });

  describe("postpone", () => {
    it("retries postponed events in order after the next state change, not after keep_state", async () => {
      const { pid, box } = await start();
      cmd(pid, "p1", postpone);
      cmd(pid, "p2", postpone);
      cmd(pid, "keep", (_s, d) => ["keep_state", { ...d, n: 1 }]);
      cmd(pid, "repeat", (_s, d) => ["repeat_state", d]);
      cmd(pid, "to b", goto("b"));
      cmd(pid, "mail");
      expect(await upTo(box, "mail")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "p1", "a"],
        ["ev", "cast", "p2", "a"],
        ["ev", "cast", "keep", "a"],
        ["ev", "cast", "repeat", "a"],
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "to b", "a"],
        ["ev", "enter", "a", "b"],
        ["ev", "cast", "p1", "b"],
        ["ev", "cast", "p2", "b"],
        ["ev", "cast", "mail", "b"],
      ]);
    });

    it("retries an event postponed with the state change itself in the new state", async () => {
      const { pid, box } = await start();
      let first = true;
      cmd(pid, "move", (_s, d) => {
        if (!first) return ["keep_state_and_data"];
        first = false;
        return ["next_state", "b", d, ["postpone"]];
      });
      cmd(pid, "mail");
      expect(await upTo(box, "mail")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "move", "a"],
        ["ev", "enter", "a", "b"],
        ["ev", "cast", "move", "b"],
        ["ev", "cast", "mail", "b"],
      ]);
    });

    it("postpones calls too: the reply comes once the state allows it", async () => {
      const { pid, box } = await start();
      const answer = GenStatem.call(pid, ["wait", ((s, d, type) =>
        s === "a" ? ["keep_state_and_data", ["postpone"]] : ["keep_state", d, [["reply", (type as ["call", From])[1], `served in ${s}`]]]) as Step]);
      cmd(pid, "to b", goto("b"));
      expect(await answer).toBe("served in b");
      await upTo(box, "wait");
    });
  });

  describe("next_event", () => {
    it("runs inserted events after the enter call, before postponed events and the mailbox", async () => {
      const { pid, box } = await start();
      cmd(pid, "p", postpone);
      cmd(pid, "go", goto("b", [["next_event", "internal", "n1"], ["next_event", "cast", "n2"]]));
      cmd(pid, "mail");
      expect(await upTo(box, "mail")).toEqual([
        ["ev", "enter", "a", "a"],
        ["ev", "cast", "p", "a"],
        ["ev", "cast", "go", "a"],
        ["ev", "enter", "a", "b"],
        ["ev", "internal", "n1", "b"],
        ["ev", "cast", "n2", "b"],
        ["ev", "cast", "p", "b"],
        ["ev", "cast", "mail", "b"],
      ]);
    });

    it("puts events inserted by an inserted event in front of the rest", async () => {
      const { pid, box } = await start();
      const inner: Command = ["inner", withActions([["next_event", "internal", "deepest"]])];
      cmd(pid, "outer", withActions([["next_event", "internal", inner], ["next_event", "internal", "second"]]));
      cmd(pid, "mail");
      expect((await upTo(box, "mail")).slice(1)).toEqual([
        ["ev", "cast", "outer", "a"],
        ["ev", "internal", "inner", "a"],
        ["ev", "internal", "deepest", "a"],
        ["ev", "internal", "second", "a"],
        ["ev", "cast", "mail", "a"],
      ]);
    });
  });

  describe("timeouts", () => {
    it("fires a state timeout in the same state, whatever other events happen", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["state_timeout", 5, "st"]]));
      cmd(pid, "other");
      expect((await until(box, (m) => m[1] === "state_timeout")).slice(-2)).toEqual([
        ["ev", "cast", "other", "a"],
        ["ev", "state_timeout", "st", "a"],
      ]);
    });

    it("cancels a state timeout on a state change, but not on repeat_state", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["state_timeout", 5, "stale"]]));
      cmd(pid, "to b", goto("b", [["state_timeout", 30, "fresh"]]));
      const seen = await until(box, (m) => m[1] === "state_timeout");
      expect(seen.at(-1)).toEqual(["ev", "state_timeout", "fresh", "b"]);
      cmd(pid, "arm again", withActions([["state_timeout", 5, "kept"]]));
      cmd(pid, "repeat", (_s, d) => ["repeat_state", d]);
      expect((await until(box, (m) => m[1] === "state_timeout")).at(-1)).toEqual(["ev", "state_timeout", "kept", "b"]);
    });

    it("restarts a state timeout that is set again, and cancels it with Infinity", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["state_timeout", 5, "first"]]));
      cmd(pid, "re-arm", withActions([["state_timeout", 10, "second"]]));
      expect((await until(box, (m) => m[1] === "state_timeout")).at(-1)).toEqual(["ev", "state_timeout", "second", "a"]);
      cmd(pid, "arm", withActions([["state_timeout", 5, "cancelled"]]));
      cmd(pid, "cancel", withActions([["state_timeout", Infinity, null]]));
      cmd(pid, "sentinel", withActions([[["timeout", "s"], 20, "sentinel"]]));
      expect((await until(box, (m) => typeof m[1] === "string" && m[1].includes("timeout"))).at(-1)).toEqual([
        "ev",
        "timeout:s",
        "sentinel",
        "a",
      ]);
    });

    it("fires an event timeout when no event arrives", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["timeout", 5, "idle"]]));
      expect((await until(box, (m) => m[1] === "timeout")).at(-1)).toEqual(["ev", "timeout", "idle", "a"]);
    });

    it("cancels an event timeout on any event", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["timeout", 5, "stale"], [["timeout", "s"], 30, "sentinel"]]));
      send(pid, "any info");
      const seen = await until(box, (m) => typeof m[1] === "string" && m[1].startsWith("timeout"));
      expect(seen.at(-1)).toEqual(["ev", "timeout:s", "sentinel", "a"]);
    });

    it("does not cancel an event timeout for sys requests", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["timeout", 10, "idle"]]));
      await sys.getState(pid);
      expect((await until(box, (m) => m[1] === "timeout")).at(-1)).toEqual(["ev", "timeout", "idle", "a"]);
    });

    it("keeps a generic timeout across state changes", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([[["timeout", "g"], 5, "gen"]]));
      cmd(pid, "to b", goto("b"));
      cmd(pid, "other");
      expect((await until(box, (m) => m[1] === "timeout:g")).at(-1)).toEqual(["ev", "timeout:g", "gen", "b"]);
    });

    it("cancels a generic timeout set to Infinity, leaving other names alone", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([[["timeout", "g"], 5, "cancelled"], [["timeout", ["h", 1]], 20, "kept"]]));
      cmd(pid, "cancel", withActions([[["timeout", "g"], Infinity, null]]));
      const seen = await until(box, (m) => typeof m[1] === "string" && m[1].startsWith("timeout"));
      expect(seen.at(-1)).toEqual(["ev", "timeout:h,1", "kept", "a"]);
    });

    it("cancels every pending timer when the machine exits, so none keeps Node alive", async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const { pid, box } = await start();
      const before = timers();
      cmd(pid, "arm", withActions([["state_timeout", 3_600_000, "st"], [["timeout", "g"], 3_600_000, "gen"], ["timeout", 3_600_000, "ev"]]));
      await upTo(box, "arm");
      await sys.getState(pid);
      expect(timers()).toBe(before + 3);
      await GenStatem.stop(pid);
      expect(timers()).toBe(before);
    });

    it("runs zero timeouts before messages already in the mailbox", async () => {
      const { pid, box } = await start();
      cmd(pid, "zero", withActions([["state_timeout", 0, "st0"], [["timeout", "g"], 0, "g0"]]));
      cmd(pid, "mail");
      expect((await upTo(box, "mail")).slice(1)).toEqual([
        ["ev", "cast", "zero", "a"],
        ["ev", "state_timeout", "st0", "a"],
        ["ev", "timeout:g", "g0", "a"],
        ["ev", "cast", "mail", "a"],
      ]);
    });

    it("runs a zero event timeout when nothing else is queued", async () => {
      const { pid, box } = await start();
      cmd(pid, "zero", withActions([["timeout", 0, "e0"]]));
      expect((await until(box, (m) => m[1] === "timeout")).slice(-2)).toEqual([
        ["ev", "cast", "zero", "a"],
        ["ev", "timeout", "e0", "a"],
      ]);
    });

    it("cancels a zero state timeout on a state change", async () => {
      const { pid, box } = await start();
      cmd(pid, "zero then move", withActions([["state_timeout", 0, "st0"], ["next_event", "internal", ["move", goto("b")] satisfies Command]]));
      cmd(pid, "mail");
      const seen = await upTo(box, "mail");
      expect(seen.filter((m) => m[1] === "state_timeout")).toEqual([]);
    });

    it("does not start an event timeout while inserted events are queued", async () => {
      const { pid, box } = await start();
      cmd(pid, "arm", withActions([["timeout", 0, "skipped"], ["next_event", "internal", "queued"]]));
      cmd(pid, "mail");
      const seen = await upTo(box, "mail");
      expect(seen.filter((m) => m[1] === "timeout")).toEqual([]);
    });
  });

  describe("call", () => {
    it("answers through a reply action", async () => {
      const { pid } = await start();
      expect(await GenStatem.call(pid, "ping")).toEqual(["echo", "ping"]);
    });

    it("answers later with GenStatem.reply", async () => {
      const { pid } = await start();
      let saved: From | undefined;
      const answer = GenStatem.call(pid, ["save", ((_s, _d, type) => {
        saved = (type as ["call", From])[1];
        return ["keep_state_and_data"];
      }) as Step]);
      cmd(pid, "answer", () => {
        GenStatem.reply(saved!, "later");
        return ["keep_state_and_data"];
      });
      expect(await answer).toBe("later");
    });

    it("rejects ExitError with the reason when the machine crashes", async () => {
      const { pid } = await start();
      const err = (await GenStatem.call(pid, ["boom", () => {
        throw new Error("handleEvent blew up");
      }]).catch((e: unknown) => e)) as ExitError;
      expect(err).toBeInstanceOf(ExitError);
      expect((err.reason as Error).message).toBe("handleEvent blew up");
    });
  });

  describe("stop results", () => {
    it("['stop', reason] runs terminate with the current state and data", async () => {
      const { pid, box } = await start();
      cmd(pid, "data", (_s, d) => ["keep_state", { ...d, n: 3 }]);
      cmd(pid, "stop", () => ["stop", "normal"]);
      expect((await until(box, (m) => m[0] === "terminate")).at(-1)).toEqual(["terminate", "normal", "a", 3]);
      expect(isAlive(pid)).toBe(false);
      expect(logs.errors()).toEqual([]);
    });

    it("['stop', reason, data] replaces the data first", async () => {
      const { pid, box } = await start();
      cmd(pid, "stop", (_s, d) => ["stop", "shutdown", { ...d, n: 9 }]);
      expect((await until(box, (m) => m[0] === "terminate")).at(-1)).toEqual(["terminate", "shutdown", "a", 9]);
    });

    it("['stop_and_reply', reason, replies] answers the caller, then stops", async () => {
      const { pid, box } = await start();
      const answer = GenStatem.call(pid, ["quit", ((_s, _d, type) => ["stop_and_reply", "normal", [["reply", (type as ["call", From])[1], "bye"]]]) as Step]);
      expect(await answer).toBe("bye");
      expect((await until(box, (m) => m[0] === "terminate")).at(-1)).toEqual(["terminate", "normal", "a", 0]);
    });

    it("['stop_and_reply'] with anything but replies crashes with BadReturnError", async () => {
      const { pid, box } = await start();
      cmd(pid, "bad", () => ["stop_and_reply", "normal", ["postpone"]]);
      const [, reason] = (await until(box, (m) => m[0] === "terminate")).at(-1)!;
      expect(reason).toBeInstanceOf(BadReturnError);
    });
  });

  describe("bad results", () => {
    it("crash the machine with BadReturnError naming handleEvent and the value", async () => {
      const { pid, box } = await start();
      cmd(pid, "bad", () => ["next_state"] as never);
      const [, reason] = (await until(box, (m) => m[0] === "terminate")).at(-1)!;
      expect(reason).toMatchObject({ name: "BadReturnError", callback: "handleEvent", value: ["next_state"] });
      expect(logs.errors()[0]).toMatchObject({
        module: "Machine",
        callback: "handleEvent",
        reason: 'BadReturnError: bad return value from handleEvent: ["next_state"]',
      });
      expect(isAlive(pid)).toBe(false);
    });

    it("crash the machine for an unknown action", async () => {
      const { pid, box } = await start();
      cmd(pid, "bad", () => ["keep_state_and_data", [["dance", 1, 2]]] as never);
      const [, reason] = (await until(box, (m) => m[0] === "terminate")).at(-1)!;
      expect(reason).toBeInstanceOf(BadReturnError);
    });
  });

  describe("start", () => {
    it("registers a name and rejects StartError ['already_started', pid] when taken", async () => {
      const box = inbox();
      const pid = await Machine.start({ probe: box.pid }, { name: "gen-statem.named" });
      killAfterTest(pid);
      expect(whereis("gen-statem.named")).toBe(pid);
      expect(await GenStatem.call("gen-statem.named", "hi")).toEqual(["echo", "hi"]);
      const err = (await GenStatem.start(Machine, { probe: box.pid }, { name: "gen-statem.named" }).catch((e: unknown) => e)) as StartError;
      expect(err.reason).toEqual(["already_started", pid]);
    });

    it("rejects OptionsError for a module that is not a GenStatem class", async () => {
      await expect(GenStatem.start(class {} as never)).rejects.toThrow(OptionsError);
      await expect(GenStatem.start("x" as never)).rejects.toThrow(/^invalid module: expected a class that extends GenStatem, got "x"$/);
    });
  });

  describe("startLink", () => {
    it("links the machine to the caller", async () => {
      const parent = inbox(true);
      const box = inbox();
      const pid = await parent.run(() => Machine.startLink({ probe: box.pid }));
      exit(pid, "kill");
      expect(await parent.receive(undefined, WAIT)).toEqual(["EXIT", pid, "killed"]);
    });

    it("runs terminate on the parent's exit signal when trapping", async () => {
      const parent = new Inbox();
      const box = inbox();
      const pid = await parent.run(() =>
        Machine.startLink({
          probe: box.pid,
          init: () => {
            trapExit(true);
            return ["ok", "a", { probe: box.pid, onEnter: undefined, n: 0 }];
          },
        }),
      );
      killAfterTest(pid);
      parent.close("shutdown");
      expect((await until(box, (m) => m[0] === "terminate")).at(-1)).toEqual(["terminate", "shutdown", "a", 0]);
    });
  });

  describe("stop", () => {
    it("runs terminate and resolves once the machine exited", async () => {
      const { pid, box } = await start();
      await GenStatem.stop(pid, "shutdown");
      expect(isAlive(pid)).toBe(false);
      expect(box.peek().at(-1)).toEqual(["terminate", "shutdown", "a", 0]);
    });
  });

  describe("childSpec", () => {
    it("has the class as id and a start that startLinks with the arg", async () => {
      const box = inbox();
      const spec = Machine.childSpec({ probe: box.pid });
      expect(spec).toEqual({ id: Machine, start: expect.any(Function) });
      const pid = await spec.start();
      killAfterTest(pid);
      expect(await box.receive(undefined, WAIT)).toEqual(["ev", "enter", "a", "a"]);
    });
  });
});
