import { describe, expectTypeOf, it } from "vitest";
import {
  type Action,
  type CallResult,
  type CastResult,
  type ChildSpec,
  type Dest,
  type EventType,
  type From,
  GenServer,
  GenStatem,
  type InfoResult,
  type InitResult,
  type Name,
  type Pid,
  type Ref,
  type StatemResult,
  type TimerRef,
  Inbox,
  Registry,
  cancelTimer,
  monitor,
  receive,
  send,
  sendAfter,
  spawnMonitor,
  sys,
} from "../../src/index.ts";

class Counter extends GenServer<number> {
  override init(start: number) {
    return ["ok", start] as const;
  }
  override handleCall(req: "get", _from: From, n: number) {
    return ["reply", n, n] as const;
  }
  override handleCast(req: "inc", n: number) {
    return ["noreply", n + 1] as const;
  }
}

type DoorState = "locked" | "open";
class Door extends GenStatem<DoorState, { code: string }> {
  override init(code: string) {
    return ["ok", "locked", { code }] as const;
  }
  override handleEvent(type: EventType, _content: unknown, state: DoorState, data: { code: string }): StatemResult<DoorState, { code: string }> {
    if (typeof type !== "string" && type[0] === "call") return ["keep_state_and_data", [["reply", type[1], state]]];
    return ["next_state", state === "locked" ? "open" : "locked", data];
  }
}

describe("runtime types", () => {
  describe("identifiers", () => {
    it("keeps Pid, Ref and TimerRef apart", () => {
      const [pid, ref] = spawnMonitor(() => undefined);
      expectTypeOf(pid).toEqualTypeOf<Pid>();
      expectTypeOf(ref).toEqualTypeOf<Ref>();
      // @ts-expect-error a Ref is not a Pid
      const notPid: Pid = ref;
      // @ts-expect-error a Pid is not a Ref
      const notRef: Ref = pid;
      const timer = sendAfter(pid, "x", 1);
      expectTypeOf(timer).toEqualTypeOf<TimerRef>();
      // @ts-expect-error a TimerRef is not a Ref
      const notRef2: Ref = timer;
      expectTypeOf(cancelTimer(timer)).toEqualTypeOf<number | false>();
      void [notPid, notRef, notRef2];
    });

    it("accepts every Dest form and nothing else", () => {
      const pid = new Inbox().pid;
      send(pid, 1);
      send("name", 1);
      send({ global: ["feed", "btc"] }, 1);
      send({ via: [Registry, ["reg", "key"]] }, 1);
      // @ts-expect-error a number is not a destination
      send(42, 1);
      expectTypeOf(monitor).parameter(0).toEqualTypeOf<Dest>();
      expectTypeOf<Name>().toMatchTypeOf<Dest>();
    });

    it("types receive by its matcher", () => {
      expectTypeOf(receive((m) => (typeof m === "number" ? m : undefined))).toEqualTypeOf<Promise<number>>();
      expectTypeOf(receive()).toEqualTypeOf<Promise<unknown>>();
      expectTypeOf(new Inbox().receive((m) => (m === "x" ? ("x" as const) : undefined), 10)).toEqualTypeOf<Promise<"x">>();
    });
  });

  describe("result tuples", () => {
    it("narrow InitResult on r[0]", () => {
      const r = {} as InitResult<{ n: number }>;
      if (r[0] === "ok") expectTypeOf(r[1]).toEqualTypeOf<{ n: number }>();
      else expectTypeOf(r[0]).toEqualTypeOf<"stop">();
    });

    it("narrow CallResult on r[0]", () => {
      const r = {} as CallResult<number>;
      switch (r[0]) {
        case "reply":
          expectTypeOf(r[2]).toEqualTypeOf<number>();
          break;
        case "noreply":
          expectTypeOf(r[1]).toEqualTypeOf<number>();
          break;
        case "stop":
          expectTypeOf(r).toEqualTypeOf<readonly ["stop", unknown, unknown, number] | readonly ["stop", unknown, number]>();
          break;
        default:
          expectTypeOf(r).toBeNever();
      }
    });

    it("narrow CastResult and InfoResult on r[0]", () => {
      const c = {} as CastResult<string>;
      if (c[0] === "noreply") expectTypeOf(c[1]).toEqualTypeOf<string>();
      else expectTypeOf(c[2]).toEqualTypeOf<string>();
      const i = {} as InfoResult<string>;
      if (i[0] === "stop") expectTypeOf(i[1]).toEqualTypeOf<unknown>();
    });

    it("narrow StatemResult on r[0], exhaustively", () => {
      const r = {} as StatemResult<DoorState, number>;
      switch (r[0]) {
        case "next_state":
          expectTypeOf(r[1]).toEqualTypeOf<DoorState>();
          expectTypeOf(r[2]).toEqualTypeOf<number>();
          break;
        case "keep_state":
        case "repeat_state":
          expectTypeOf(r[1]).toEqualTypeOf<number>();
          break;
        case "keep_state_and_data":
          expectTypeOf(r[1]).toEqualTypeOf<readonly Action[] | undefined>();
          break;
        case "stop":
          expectTypeOf(r[2]).toEqualTypeOf<number | undefined>();
          break;
        case "stop_and_reply":
          expectTypeOf(r[2]).toEqualTypeOf<readonly Action[]>();
          break;
        default:
          expectTypeOf(r).toBeNever();
      }
    });

    it("accept plain literals and as-const tuples, and refuse unknown tags", () => {
      const plain: CallResult<number> = ["reply", "v", 1];
      const frozen: CallResult<number> = ["noreply", 1] as const;
      // @ts-expect-error "rep" is not a CallResult tag
      const wrong: CallResult<number> = ["rep", "v", 1];
      // @ts-expect-error the state must be the server's State
      const wrongState: CastResult<number> = ["noreply", "one"];
      const action: Action = [["timeout", ["poll", 1]], 100, "tick"];
      // @ts-expect-error a timeout needs a number of milliseconds
      const badAction: Action = ["state_timeout", "soon", 1];
      void [plain, frozen, wrong, wrongState, action, badAction];
    });

    it("narrow EventType to a call's From", () => {
      const type = {} as EventType;
      if (typeof type !== "string" && type[0] === "call") expectTypeOf(type[1]).toEqualTypeOf<From>();
    });
  });

  describe("GenServer statics", () => {
    it("start and startLink through the subclass or through GenServer resolve a Pid", () => {
      expectTypeOf(Counter.start(0)).toEqualTypeOf<Promise<Pid>>();
      expectTypeOf(Counter.startLink(0, { name: "counter", timeout: 100 })).toEqualTypeOf<Promise<Pid>>();
      expectTypeOf(GenServer.start(Counter, 0, { name: { global: ["c", 1] } })).toEqualTypeOf<Promise<Pid>>();
      expectTypeOf(GenServer.startLink(Counter, 0)).toEqualTypeOf<Promise<Pid>>();
      expectTypeOf(Door.start("1234", { name: { via: [Registry, ["doors", 1]] } })).toEqualTypeOf<Promise<Pid>>();
      expectTypeOf(GenStatem.start(Door, "1234")).toEqualTypeOf<Promise<Pid>>();
    });

    it("refuse unknown options, bad names and a missing module", () => {
      // @ts-expect-error no such start option
      void Counter.start(0, { nme: "x" });
      // @ts-expect-error a name is a string, { global } or { via }
      void Counter.start(0, { name: 42 });
      // @ts-expect-error GenServer itself is abstract: a module is required
      void GenServer.start(0);
      // @ts-expect-error a GenStatem is not a GenServer module
      void GenServer.start(Door, "1234");
    });

    it("childSpec returns a ChildSpec", () => {
      expectTypeOf(Counter.childSpec(0)).toEqualTypeOf<ChildSpec>();
      expectTypeOf(Door.childSpec("1234")).toEqualTypeOf<ChildSpec>();
      expectTypeOf(Registry.childSpec({ keys: "unique", name: "r" })).toEqualTypeOf<ChildSpec>();
    });

    it("call, cast, reply and stop", () => {
      const pid = {} as Pid;
      expectTypeOf(GenServer.call(pid, "get")).toEqualTypeOf<Promise<unknown>>();
      expectTypeOf(GenServer.cast(pid, "inc")).toEqualTypeOf<void>();
      expectTypeOf(GenServer.stop(pid)).toEqualTypeOf<Promise<void>>();
      expectTypeOf(GenServer.reply).parameter(0).toEqualTypeOf<From>();
      expectTypeOf(Registry.lookup("r", "k")).toEqualTypeOf<Array<[Pid, unknown]>>();
    });
  });

  describe("sys", () => {
    it("types getStatus and replaceState", async () => {
      const pid = {} as Pid;
      const status = await sys.getStatus(pid);
      expectTypeOf(status.status).toEqualTypeOf<"running" | "suspended">();
      expectTypeOf(status.pid).toEqualTypeOf<Pid>();
      expectTypeOf(sys.replaceState(pid, (n: number) => n + 1)).toEqualTypeOf<Promise<number>>();
    });
  });
});
