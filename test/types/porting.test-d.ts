// Porting from Elixir: a module's own start_link/1 and child_spec/1, module-based supervisors, and
// [Module, arg] children checked against the module's own childSpec (issue 14, API.md §8a).
import { describe, expectTypeOf, it } from "vitest";
import type { ChildSpec } from "../../src/runtime/behaviours/child-spec-types.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import { GenStatem } from "../../src/runtime/behaviours/gen-statem.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { Parley } from "../../src/client/parley.ts";
import { type ChildArg, Supervisor } from "../../src/supervisor/supervisor.ts";
import { DynamicSupervisor } from "../../src/supervisor/dynamic-supervisor.ts";

const url = "ws://127.0.0.1:1";

/** `def start_link(n), do: GenServer.start_link(__MODULE__, n, name: __MODULE__)` and its child_spec. */
class Counter extends GenServer<number> {
  static override startLink(n: number): Promise<Pid> {
    return GenServer.startLink(Counter, n, { name: "counter" });
  }
  static override childSpec(n: number): ChildSpec {
    return { id: Counter, start: () => Counter.startLink(n) };
  }
}

/** A WebSockex-style client whose start_link takes only the topic. */
class FeedClient extends Parley<string> {
  static override startLink(topic: string): Promise<Pid> {
    return Parley.startLink(FeedClient, topic, { url, reconnect: true });
  }
  static override childSpec(topic: string): ChildSpec {
    return { id: ["feed", topic], start: () => FeedClient.startLink(topic) };
  }
}

/** A client that keeps Parley's own childSpec: `[PlainClient, [arg, options]]`. */
class PlainClient extends Parley<string> {}

class Machine extends GenStatem<"idle", number> {
  override init(n: number) {
    return ["ok", "idle", n] as const;
  }
  override handleEvent() {
    return ["keep_state_and_data"] as const;
  }
  static override startLink(n: number): Promise<Pid> {
    return GenStatem.startLink(Machine, n);
  }
}

/** `use Supervisor` with `init/1`, and a start_link/1 of its own. */
class Feeds extends Supervisor {
  override init(topics: readonly string[]) {
    return Supervisor.init(
      topics.map((t) => [FeedClient, t] as const),
      { strategy: "one_for_one" },
    );
  }
  static override startLink(topics: readonly string[]): Promise<Pid> {
    return Supervisor.startLink(Feeds, topics, { name: "feeds" });
  }
}

class Ignoring extends Supervisor {
  override init(_arg: undefined) {
    return ["ignore"] as const;
  }
}

describe("porting types", () => {
  it("lets a subclass declare static startLink(arg) and childSpec(arg) of its own", () => {
    expectTypeOf(Counter.startLink).toEqualTypeOf<(n: number) => Promise<Pid>>();
    expectTypeOf(FeedClient.startLink).toEqualTypeOf<(topic: string) => Promise<Pid>>();
    expectTypeOf(Machine.startLink).toEqualTypeOf<(n: number) => Promise<Pid>>();
    expectTypeOf(Feeds.startLink).toEqualTypeOf<(topics: readonly string[]) => Promise<Pid>>();
    // The (Module, arg, opts) form stays on the base class.
    expectTypeOf(GenServer.startLink(Counter, 1, { name: "c" })).toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Parley.start(PlainClient, "x", { url })).toEqualTypeOf<Promise<Pid>>();
    // @ts-expect-error the subclass's own startLink takes a number
    void Counter.startLink("one");
  });

  it("types module-based supervisors", () => {
    expectTypeOf(Ignoring.startLink(undefined, { name: "ign" })).toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Supervisor.startLink(Feeds, ["btc"])).toEqualTypeOf<Promise<Pid>>();
    expectTypeOf(Feeds.childSpec(["btc"])).toEqualTypeOf<ChildSpec>();
    expectTypeOf<ChildArg<typeof Feeds>>().toEqualTypeOf<readonly string[]>();
    // @ts-expect-error init takes a list of topics
    void Supervisor.startLink(Feeds, "btc");
    // @ts-expect-error init must return Supervisor.init(...) or ["ignore"]
    class Wrong extends Supervisor { override init() { return ["ok", []] as const; } }
    void Wrong;
  });

  it("checks [Module, arg] against the module's own childSpec", () => {
    expectTypeOf<ChildArg<typeof FeedClient>>().toEqualTypeOf<string>();
    expectTypeOf<ChildArg<typeof Counter>>().toEqualTypeOf<number>();
    expectTypeOf<ChildArg<typeof PlainClient>>().toExtend<readonly [unknown, { url: string }]>();
    void Supervisor.startLink([[FeedClient, "feed:eth"], [Counter, 0], [PlainClient, ["x", { url }]], [Feeds, ["btc"]], Machine], {
      strategy: "one_for_one",
    });
    // @ts-expect-error PlainClient's childSpec takes [arg, options]
    void Supervisor.startLink([[PlainClient, "feed:eth"]], { strategy: "one_for_one" });
    // @ts-expect-error FeedClient's childSpec takes a topic
    void Supervisor.startLink([[FeedClient, 1]], { strategy: "one_for_one" });
    // @ts-expect-error a bare module means childSpec([]), which FeedClient does not take
    void Supervisor.startLink([FeedClient], { strategy: "one_for_one" });
    // @ts-expect-error Feeds' init takes a list of topics
    void Supervisor.init([[Feeds, "btc"]], { strategy: "one_for_one" });
    void DynamicSupervisor.startChild("dyn", [FeedClient, "feed:sol"]);
  });
});
