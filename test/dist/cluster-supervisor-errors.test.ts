// ClusterSupervisor on one node (this test process) and its failure paths: bad options and
// children, no started node, a second start, children that cannot cross, hostile entries in the
// bucket, children terminated and ended for good, Node.stop.
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterEach, expect, it } from "vitest";
import { ClusterSupervisor, GenServer, Global, isAlive, Node, whereis, type CallResult, type ChildSpec, type InitResult } from "../../src/index.ts";
import { encode } from "../../src/dist/codec.ts";
import { termKey } from "../../src/runtime/names/term-key.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { FAST } from "./support.ts";

class Job extends GenServer<string> {
  static override childSpec(arg: string): ChildSpec {
    // String(): an argument that cannot cross still makes a spec, so the encoder is what refuses it.
    const id = String(arg);
    return { id, start: () => GenServer.startLink(Job, id, { name: { global: ["job", id] } }), restart: id.startsWith("once") ? "transient" : "permanent" };
  }
  override init(id: string): InitResult<string> {
    return ["ok", id];
  }
  override handleCall(req: unknown, _from: unknown, id: string): CallResult<string> {
    return req === "finish" ? ["stop", "normal", "done", id] : ["reply", id, id];
  }
}

const Unnamed = { childSpec: (id: string): ChildSpec => Job.childSpec(id) };

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeWithNats("ClusterSupervisor on one node: failure paths", () => {
  const nats = useNats();
  afterEach(async () => {
    await Node.stop();
  });

  async function started(prefix: string): Promise<string> {
    const cluster = uniqueCluster(prefix);
    await Node.start("t", { servers: nats.url, cluster, ...FAST });
    return cluster;
  }

  it("before Node.start: NodeError not_alive", async () => {
    await expect(ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs" })).rejects.toMatchObject({ name: "NodeError", reason: "not_alive" });
  });

  it("bad options and children: OptionsError naming the value, nothing started", async () => {
    const bad: Array<[unknown, unknown]> = [
      [[[Job, "a"]], { name: "" }],
      [[[Job, "a"]], { name: "has space" }],
      [[[Job, "a"]], { name: 7 }],
      [[[Job, "a"]], undefined],
      [[[Job, "a"]], { name: "jobs", strategy: "one_for_all" }],
      [[[Job, "a"]], { name: "jobs", maxRestarts: -1 }],
      [[[Job, "a"]], { name: "jobs", maxSeconds: 0 }],
      [[[Job, "a"]], { name: "jobs", modules: [Unnamed] }],
      [[[Job, "a"]], { name: "jobs", modules: "Job" }],
      [[[Job, "a"], [Job, "a"]], { name: "jobs" }],
      ["not a list", { name: "jobs" }],
    ];
    for (const [children, options] of bad) {
      await expect(ClusterSupervisor.startLink(children as never, options as never)).rejects.toMatchObject({ name: "OptionsError" });
    }
    // Two different modules under one name cannot be told apart on another node.
    const Other = class Job extends GenServer<string> {};
    await expect(ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs", modules: [Other as never] })).rejects.toMatchObject({ name: "OptionsError", value: "Job" });
    expect(() => ClusterSupervisor.childSpec([[[Job, "a"]], { name: "" }])).toThrow(expect.objectContaining({ name: "OptionsError" }));
  });

  it("alone, a node runs every child; a second start on it is already_started", async () => {
    await started("alone");
    const sup = await ClusterSupervisor.startLink([[Job, "a"], [Job, "b"]], { name: "jobs" });
    const listed = await until(async () => {
      const list = await ClusterSupervisor.whichChildren("jobs");
      return list.length === 2 ? list : undefined;
    }, "both children");
    expect(listed.map((c) => [c.id, c.node]).sort()).toEqual([["a", "t"], ["b", "t"]]);
    expect(listed.every((c) => c.pid === Global.whereisName(["job", c.id as string]))).toBe(true);
    await expect(ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs" })).rejects.toMatchObject({ name: "StartError", reason: ["already_started", sup] });
  });

  it("startChild: unknown module OptionsError, an argument that cannot cross EncodeError, a taken id StartError; terminateChild of an unknown id NotFoundError", async () => {
    await started("add");
    await ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs" });
    class Stranger extends GenServer<string> {}
    await expect(ClusterSupervisor.startChild("jobs", [Stranger, "x"])).rejects.toMatchObject({ name: "OptionsError" });
    await expect(ClusterSupervisor.startChild("jobs", [Job, () => 1] as never)).rejects.toMatchObject({ name: "EncodeError" });
    await expect(ClusterSupervisor.startChild("jobs", [Job, "a"])).rejects.toMatchObject({ name: "StartError", reason: ["already_present", "a"] });
    await expect(ClusterSupervisor.terminateChild("jobs", "nobody")).rejects.toMatchObject({ name: "NotFoundError", id: "nobody" });
    await expect(ClusterSupervisor.startChild("nosuch", [Job, "x"])).rejects.toMatchObject({ name: "NoProcError" });
    await ClusterSupervisor.startChild("jobs", [Job, "x"]);
    await until(() => Global.whereisName(["job", "x"]), "the added child");
  });

  it("terminateChild of a child of the list turns it off until it is added again", async () => {
    await started("off");
    await ClusterSupervisor.startLink([[Job, "a"], [Job, "b"]], { name: "jobs" });
    const a = await until(() => Global.whereisName(["job", "a"]), "a");
    await ClusterSupervisor.terminateChild("jobs", "a");
    await until(() => (isAlive(a) ? undefined : true), "a stopped");
    expect((await ClusterSupervisor.whichChildren("jobs")).map((c) => c.id)).toEqual(["b"]);
    await ClusterSupervisor.startChild("jobs", [Job, "a"]);
    await until(() => Global.whereisName(["job", "a"]), "a again");
  });

  it("a transient child that ends normally stays ended in the cluster", async () => {
    await started("ended");
    await ClusterSupervisor.startLink([[Job, "once"], [Job, "b"]], { name: "jobs" });
    const once = await until(() => Global.whereisName(["job", "once"]), "once");
    expect(await GenServer.call(once, "finish")).toBe("done");
    await until(async () => ((await ClusterSupervisor.whichChildren("jobs")).length === 1 ? true : undefined), "once gone");
    expect(Global.whereisName(["job", "once"])).toBeUndefined();
  });

  it("hostile entries in the bucket are ignored; the supervisor keeps working", async () => {
    const cluster = await started("hostile");
    await ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs" });
    await until(() => Global.whereisName(["job", "a"]), "a");
    const nc = await connect({ servers: nats.url });
    const kv = await new Kvm(nc).open(`parley_${cluster}_sup`);
    const token = (s: string): string => Buffer.from(s).toString("base64url");
    await kv.put(`${token("jobs")}.m.${token("evil")}`, new Uint8Array([0xc1, 0xff]));
    await kv.put(`${token("jobs")}.m.${token("liar")}`, encode("not a pid"));
    // A claim that is nobody's on a child about to be added: purged, the child starts anyway.
    await kv.put(`${token("jobs")}.c.${token(termKey("after"))}`, new Uint8Array([0xc1]));
    await kv.put(`${token("jobs")}.c.${token(termKey("zz"))}`, encode(["not", "a node"]));
    await kv.put(`${token("jobs")}.s.${token(termKey("q"))}`, encode(["NoSuchModule", "q"]));
    await kv.put(`${token("jobs")}.s.${token(termKey("r"))}`, encode(["Job", "not r"]));
    await kv.put(`${token("jobs")}.s.${token(termKey("s"))}`, encode(42));
    await nc.close();
    await ClusterSupervisor.startChild("jobs", [Job, "after"]);
    await until(() => Global.whereisName(["job", "after"]), "a child added after the hostile entries");
    expect((await ClusterSupervisor.whichChildren("jobs")).map((c) => c.id).sort()).toEqual(["a", "after"]);
  });

  it("Node.stop stops this node's ClusterSupervisor and its children", async () => {
    await started("stop");
    const sup = await ClusterSupervisor.startLink([[Job, "a"]], { name: "jobs" });
    const a = await until(() => Global.whereisName(["job", "a"]), "a");
    await Node.stop();
    expect(isAlive(sup)).toBe(false);
    expect(isAlive(a)).toBe(false);
    expect(whereis("jobs")).toBeUndefined();
  });
});
