// Calls and casts to processes of other nodes: GenServer, GenStatem and sys through a remote Pid or
// { name, node }, their failure paths, and GenServer.multiCall / abcast.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ExitError,
  GenServer,
  GenStatem,
  NoProcError,
  register,
  sys,
  TimeoutError,
  type From,
  type StatemResult,
} from "../../src/index.ts";
import { Node, nodeOf } from "../../src/dist/node.ts";
import { EncodeError } from "../../src/dist/errors.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { NodeCommandError, startNode, useNodeProcesses, type NodeProcess } from "../helpers/node-process.ts";
import { FAST, pidOf, synced, tokenOf } from "./support.ts";

/** A door that opens with the right code: GenStatem calls across nodes. */
class Door extends GenStatem<"locked" | "open", string> {
  override init(code: string) {
    return ["ok", "locked", code] as const;
  }
  override handleEvent(type: unknown, content: unknown, state: "locked" | "open", code: string): StatemResult<"locked" | "open", string> {
    if (Array.isArray(type) && type[0] === "call") {
      const from = type[1] as From;
      if (state === "locked" && content === code) return ["next_state", "open", code, [["reply", from, "opened"]]];
      return ["keep_state_and_data", [["reply", from, ["still", state]]]];
    }
    return ["keep_state_and_data"];
  }
}

describeWithNats("remote calls", () => {
  const nats = useNats();
  useNodeProcesses();
  let a: NodeProcess;
  let b: NodeProcess;
  beforeAll(async () => {
    const cluster = uniqueCluster("call");
    [a, b] = await Promise.all([startNode("a", { url: nats.url, cluster }), startNode("b", { url: nats.url, cluster })]);
    await Node.start("t", { servers: nats.url, cluster, ...FAST });
    await a.request("spawnEcho", ["echo-a", "echo"]);
    await b.request("spawnEcho", ["echo-b", "echo"]);
  }, 20_000);
  afterAll(async () => {
    await Node.stop();
  });

  it("calls and casts a GenServer by remote Pid and by { name, node }", async () => {
    const pid = pidOf(await a.request("spawnEcho", ["e1"]));
    expect(await GenServer.call(pid, { q: [1, 2n] })).toEqual(["echo", { q: [1, 2n] }]);
    expect(await GenServer.call({ name: "echo", node: "a" }, "hi")).toEqual(["echo", "hi"]);
    GenServer.cast(pid, "c1");
    GenServer.cast({ name: "echo", node: "a" }, "c2");
    expect(await a.next("e1")).toEqual(["cast", "c1"]);
    expect(await a.next("echo-a")).toEqual(["cast", "c2"]);
    // A cast to a name nobody holds there, or to a node that is down, is dropped.
    expect(() => GenServer.cast({ name: "nobody", node: "a" }, 1)).not.toThrow();
    expect(() => GenServer.cast({ name: "echo", node: "gone" }, 1)).not.toThrow();
  });

  it("node processes call each other; a GenStatem and sys answer across nodes", async () => {
    expect(await a.request("call", [{ name: "echo", node: "b" }, "a→b"])).toEqual(["echo", "a→b"]);
    const door = await GenStatem.start(Door, "1234");
    register("door", door);
    expect(await a.request("call", [{ name: "door", node: "t" }, "0000"])).toEqual(["still", "locked"]);
    expect(await a.request("call", [tokenOf(door), "1234"])).toBe("opened");
    expect(await a.request("call", [{ name: "door", node: "t" }, "1234"])).toEqual(["still", "open"]);
    const echo = pidOf(await b.request("spawnEcho", ["e2"]));
    expect(await sys.getState(echo)).toBe("e2");
    expect(await sys.getState({ name: "echo", node: "b" })).toBe("echo-b");
    await GenStatem.stop(door);
    // GenServer.stop of a remote server waits until it exited there.
    await GenServer.stop(echo, "normal");
    await expect(GenServer.call(echo, "gone?")).rejects.toThrow(NoProcError);
  });

  it("rejects NoProcError for a dead remote Pid or a name nobody holds there", async () => {
    const idle = pidOf(await a.request("spawnIdle"));
    await a.request("exit", [tokenOf(idle), "kill"]);
    await expect(GenServer.call(idle, "x")).rejects.toThrow(NoProcError);
    await expect(GenServer.call({ name: "nobody", node: "a" }, "x")).rejects.toThrow(NoProcError);
  });

  it("rejects ExitError with the reason when the remote server dies mid-call", async () => {
    // An idle process never answers; its end is the call's answer.
    const idle = pidOf(await a.request("spawnIdle"));
    const pending = GenServer.call(idle, "never answered", 5000).catch((e: unknown) => e);
    await synced("a");
    await a.request("exit", [tokenOf(idle), ["shutdown", "by test"]]);
    expect(await pending).toMatchObject({ name: "ExitError", reason: ["shutdown", "by test"] });
  });

  it("rejects ExitError(['nodedown', node]) for a node that is down, at once", async () => {
    const started = performance.now();
    await expect(GenServer.call({ name: "echo", node: "nowhere" }, "x")).rejects.toMatchObject({ reason: ["nodedown", "nowhere"] });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("times out, and a late reply is dropped", async () => {
    const idle = pidOf(await a.request("spawnIdle"));
    await expect(GenServer.call(idle, "slow", 100)).rejects.toThrow(TimeoutError);
    await a.request("exit", [tokenOf(idle), "kill"]);
  });

  it("a reply that cannot cross rejects the call with EncodeError naming its path; the server goes on", async () => {
    const err = await GenServer.call({ name: "echo", node: "a" }, "a function").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncodeError);
    expect(err).toMatchObject({ kind: "unsupported" });
    expect(typeof (err as EncodeError).path).toBe("string");
    expect(await GenServer.call({ name: "echo", node: "a" }, "still up")).toEqual(["echo", "still up"]);
  });

  it("sys.getStatus of a process on another node names its module by the class's name", async () => {
    const status = await sys.getStatus({ name: "echo", node: "a" });
    expect(status).toMatchObject({ name: "echo", status: "running", module: "Echo", state: undefined });
    expect(nodeOf(status.pid)).toBe("a");
  });

  it("rejects EncodeError for a request that cannot cross, and the server is untouched", async () => {
    const err = await GenServer.call({ name: "echo", node: "a" }, { f: Symbol("s") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncodeError);
    expect(err).toMatchObject({ path: "$.f" });
    expect(await GenServer.call({ name: "echo", node: "a" }, "still here")).toEqual(["echo", "still here"]);
  });

  it("a call from a node process to a dead Pid or a down node fails the same way", async () => {
    const err = await a.request("call", [{ name: "echo", node: "gone" }, "x"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeCommandError);
    expect(err).toMatchObject({ remoteName: "ExitError", reason: ["nodedown", "gone"] });
  });

  it("multiCall gathers replies by node and names the bad nodes; abcast reaches every node", async () => {
    register("echo", (await GenServer.start(LocalEcho, undefined)) as never);
    const [replies, bad] = await GenServer.multiCall(["a", "b", "t", "gone"], "echo", "all?", 2000);
    expect(replies).toEqual([
      ["a", ["echo", "all?"]],
      ["b", ["echo", "all?"]],
      ["t", ["local", "all?"]],
    ]);
    expect(bad).toEqual(["gone"]);
    GenServer.abcast(["a", "b", "gone"], "echo", "to all");
    expect(await a.next("echo-a")).toEqual(["cast", "to all"]);
    expect(await b.next("echo-b")).toEqual(["cast", "to all"]);
    await expect(GenServer.multiCall("a" as never, "echo", 1)).rejects.toThrow(/invalid nodes/);
    expect(() => GenServer.abcast(["a"], "", 1)).toThrow(/invalid name/);
    void ExitError;
  });
});

class LocalEcho extends GenServer<undefined> {
  override handleCall(req: unknown, _from: From, s: undefined) {
    return ["reply", ["local", req], s] as const;
  }
}
