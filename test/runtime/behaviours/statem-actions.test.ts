import fc from "fast-check";
import { termKey } from "../../../src/runtime/names/term-key.ts";
import { describe, expect, it } from "vitest";
import { BadReturnError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { makePid, makeRef } from "../../../src/runtime/process/pid.ts";
import {
  genericTimeout,
  KEEP,
  keepWith,
  nextState,
  parseActions,
  parseInitResult,
  parseResult,
  sameState,
  stateTimeout,
  stopWith,
  timeoutsOnly,
  type Transition,
  validForEnter,
} from "../../../src/runtime/behaviours/statem-actions.ts";

const from: From = { pid: makePid(), tag: makeRef() };

const TAGS = ["next_state", "keep_state", "keep_state_and_data", "repeat_state", "stop", "stop_and_reply", "bogus"] as const;
const EVENT_TYPES = ["cast", "info", "internal", "state_timeout", "timeout", "enter", "call"] as const;

const eventType = fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.constant(["call", from]), fc.tuple(fc.constant("timeout"), fc.jsonValue()), fc.anything());
const time = fc.oneof(fc.nat(), fc.constant(Infinity), fc.integer({ min: -5, max: -1 }), fc.double(), fc.constant("5"));
const action = fc.oneof(
  fc.constant("postpone"),
  fc.tuple(fc.constant("reply"), fc.oneof(fc.constant(from), fc.anything()), fc.anything()),
  fc.tuple(fc.constant("next_event"), eventType, fc.anything()),
  fc.tuple(fc.constantFrom("state_timeout", "timeout"), time, fc.anything()),
  fc.tuple(fc.tuple(fc.constant("timeout"), fc.jsonValue()), time, fc.anything()),
  fc.anything(),
);
const actions = fc.oneof(fc.array(action, { maxLength: 4 }), fc.constant(undefined), fc.anything());
/** Mostly near-misses of valid results, so the parser's every branch is exercised. */
const resultLike = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...TAGS)).chain(([tag]) => fc.array(fc.oneof(fc.anything(), actions), { maxLength: 4 }).map((rest) => [tag, ...rest])) },
  { weight: 1, arbitrary: fc.anything() },
);

/** A Transition is well formed: its kind, its data flags and every parsed action. */
function assertTransition(t: Transition): void {
  expect(["next", "keep", "repeat", "stop"]).toContain(t.kind);
  expect(typeof t.keepData).toBe("boolean");
  expect(typeof t.actions.postpone).toBe("boolean");
  for (const [f] of t.actions.replies) expect(f).toHaveProperty("pid");
  for (const e of t.actions.nextEvents) expect(e).toHaveProperty("type");
  for (const timeout of t.actions.timeouts) {
    expect(["state_timeout", "timeout", "generic"]).toContain(timeout.kind);
    expect(typeof timeout.ms).toBe("number");
    expect(timeout.ms).toBeGreaterThanOrEqual(0);
    expect(typeof timeout.key).toBe("string");
  }
  if (t.kind === "stop") {
    expect(t.actions.postpone).toBe(false);
    expect(t.actions.nextEvents).toEqual([]);
    expect(t.actions.timeouts).toEqual([]);
  }
}

describe("statem-actions", () => {
  describe("parseResult", () => {
    it("on any value either returns a well-formed transition or throws BadReturnError with that value", () => {
      fc.assert(
        fc.property(resultLike, (value) => {
          let t: Transition;
          try {
            t = parseResult(value, "handleEvent");
          } catch (err) {
            expect(err).toBeInstanceOf(BadReturnError);
            expect((err as BadReturnError).callback).toBe("handleEvent");
            expect((err as BadReturnError).value).toBe(value);
            return;
          }
          assertTransition(t);
        }),
        { numRuns: 400 },
      );
    });

    it("parses next_state with and without actions", () => {
      expect(parseResult(["next_state", "b", { d: 1 }], "h")).toMatchObject({ kind: "next", state: "b", data: { d: 1 }, keepData: false });
      const t = parseResult(["next_state", "b", 1, [["reply", from, "ok"], ["state_timeout", 5, "x"]]], "h");
      expect(t.actions.replies).toEqual([[from, "ok"]]);
      expect(t.actions.timeouts).toEqual([{ kind: "state_timeout", name: undefined, key: "state_timeout", ms: 5, content: "x" }]);
    });

    it("parses keep_state, keep_state_and_data and repeat_state", () => {
      expect(parseResult(["keep_state", 2], "h")).toMatchObject({ kind: "keep", data: 2, keepData: false });
      expect(parseResult(["keep_state_and_data"], "h")).toMatchObject({ kind: "keep", keepData: true });
      expect(parseResult(["keep_state_and_data", ["postpone"]], "h").actions.postpone).toBe(true);
      expect(parseResult(["repeat_state", 3], "h")).toMatchObject({ kind: "repeat", data: 3, keepData: false });
    });

    it("parses stop with and without data", () => {
      expect(parseResult(["stop", "normal"], "h")).toMatchObject({ kind: "stop", reason: "normal", keepData: true });
      expect(parseResult(["stop", "normal", 4], "h")).toMatchObject({ kind: "stop", reason: "normal", data: 4, keepData: false });
    });

    it("parses stop_and_reply with its replies", () => {
      const t = parseResult(["stop_and_reply", "normal", [["reply", from, 1]], 5], "h");
      expect(t).toMatchObject({ kind: "stop", reason: "normal", data: 5, keepData: false });
      expect(t.actions.replies).toEqual([[from, 1]]);
    });

    it("throws BadReturnError for stop_and_reply with other actions", () => {
      expect(() => parseResult(["stop_and_reply", "normal", ["postpone"]], "h")).toThrow(BadReturnError);
      expect(() => parseResult(["stop_and_reply", "normal", [["state_timeout", 1, 1]]], "h")).toThrow(
        /^bad return value from h: \["stop_and_reply", "normal", \[\["state_timeout", 1, 1\]\]\]$/,
      );
    });

    it("throws BadReturnError for an unknown tag or a wrong length", () => {
      expect(() => parseResult(["next_state", "b"], "handleEvent")).toThrow(/^bad return value from handleEvent: \["next_state", "b"\]$/);
      expect(() => parseResult(["keep_state"], "h")).toThrow(BadReturnError);
      expect(() => parseResult(["keep_state_and_data", [], 1], "h")).toThrow(BadReturnError);
      expect(() => parseResult(["stop"], "h")).toThrow(BadReturnError);
      expect(() => parseResult(["transition", "b", 1], "h")).toThrow(BadReturnError);
      expect(() => parseResult("next_state", "h")).toThrow(/^bad return value from h: "next_state"$/);
    });
  });

  describe("parseActions", () => {
    it("treats undefined and [] as no actions", () => {
      expect(parseActions(undefined, "h", 1)).toEqual({ replies: [], postpone: false, nextEvents: [], timeouts: [] });
      expect(parseActions([], "h", 1)).toEqual({ replies: [], postpone: false, nextEvents: [], timeouts: [] });
    });

    it("parses every action form", () => {
      const parsed = parseActions(
        [
          "postpone",
          ["reply", from, "v"],
          ["next_event", "internal", "e"],
          ["next_event", ["timeout", "n"], "t"],
          ["timeout", 0, "ev"],
          [["timeout", ["g", 1]], Infinity, "gen"],
        ],
        "h",
        null,
      );
      expect(parsed.postpone).toBe(true);
      expect(parsed.replies).toEqual([[from, "v"]]);
      expect(parsed.nextEvents).toEqual([
        { type: "internal", content: "e" },
        { type: ["timeout", "n"], content: "t" },
      ]);
      expect(parsed.timeouts).toEqual([
        { kind: "timeout", name: undefined, key: "timeout", ms: 0, content: "ev" },
        { kind: "generic", name: ["g", 1], key: termKey(["g", 1]), ms: Infinity, content: "gen" },
      ]);
    });

    it("throws BadReturnError naming the whole result for a bad action", () => {
      const result = ["keep_state_and_data", [["state_timeout", -1, "x"]]];
      expect(() => parseActions(result[1], "handleEvent", result)).toThrow(BadReturnError);
      expect(() => parseActions(result[1], "handleEvent", result)).toThrow(
        /^bad return value from handleEvent: \["keep_state_and_data", \[\["state_timeout", -1, "x"\]\]\]$/,
      );
      expect(() => parseActions([["reply", "not a from", 1]], "h", 0)).toThrow(BadReturnError);
      expect(() => parseActions([["next_event", "enter", 1]], "h", 0)).toThrow(BadReturnError);
      expect(() => parseActions("postpone", "h", 0)).toThrow(BadReturnError);
    });
  });

  describe("parseInitResult", () => {
    it("reads ok as a next to the initial state and stop as a stop", () => {
      expect(parseInitResult(["ok", "a", 1])).toEqual(parseResult(["next_state", "a", 1], "init"));
      const t = parseInitResult(["ok", "a", 1, [["state_timeout", 5, "x"]]]);
      expect(t).toMatchObject({ kind: "next", state: "a", data: 1 });
      expect(t.actions.timeouts).toEqual([{ kind: "state_timeout", name: undefined, key: "state_timeout", ms: 5, content: "x" }]);
      expect(parseInitResult(["stop", "nope"])).toMatchObject({ kind: "stop", reason: "nope", keepData: true });
    });

    it("refuses anything else, postpone included, naming init and the value", () => {
      for (const bad of [["ok", "a"], ["ok", "a", 1, [], 2], ["stop"], ["stop", 1, 2], "ok", ["ok", "a", 1, ["postpone"]], ["ok", "a", 1, [["bogus"]]]]) {
        expect(() => parseInitResult(bad)).toThrow(BadReturnError);
        try {
          parseInitResult(bad);
        } catch (err) {
          expect(err).toMatchObject({ name: "BadReturnError", callback: "init", value: bad });
        }
      }
    });
  });

  describe("builders for trusted machines", () => {
    it("build exactly what parsing the same GenStatem result gives", () => {
      expect(KEEP).toEqual(parseResult(["keep_state_and_data"], "h"));
      expect(nextState("b", { d: 1 })).toEqual(parseResult(["next_state", "b", { d: 1 }], "h"));
      expect(stopWith("normal", 4)).toEqual(parseResult(["stop", "normal", 4], "h"));
      expect(stopWith("normal")).toEqual(parseResult(["stop", "normal"], "h"));
      const timeouts = timeoutsOnly([stateTimeout(5, "x"), genericTimeout(["a", 1], Infinity, null)]);
      expect(keepWith(timeouts)).toEqual(parseResult(["keep_state_and_data", [["state_timeout", 5, "x"], [["timeout", ["a", 1]], Infinity, null]]], "h"));
      expect(nextState("c", 2, timeouts)).toEqual(parseResult(["next_state", "c", 2, [["state_timeout", 5, "x"], [["timeout", ["a", 1]], Infinity, null]]], "h"));
    });
  });

  describe("validForEnter", () => {
    it("refuses postpone and next_event, accepts replies and timeouts", () => {
      expect(validForEnter(parseActions([["reply", from, 1], ["state_timeout", 1, 1]], "h", 0))).toBe(true);
      expect(validForEnter(parseActions(["postpone"], "h", 0))).toBe(false);
      expect(validForEnter(parseActions([["next_event", "cast", 1]], "h", 0))).toBe(false);
    });
  });

  describe("sameState", () => {
    it("compares primitives by value and structured states structurally", () => {
      expect(sameState("a", "a")).toBe(true);
      expect(sameState("a", "b")).toBe(false);
      expect(sameState(["conn", 1], ["conn", 1])).toBe(true);
      expect(sameState(["conn", 1], ["conn", 2])).toBe(false);
      expect(sameState({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
      expect(sameState(1, "1")).toBe(false);
      expect(sameState(null, "null")).toBe(false);
    });

    it("is reflexive and symmetric on JSON values", () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
          expect(sameState(a, structuredClone(a))).toBe(true);
          expect(sameState(a, b)).toBe(sameState(b, a));
        }),
      );
    });
  });
});
