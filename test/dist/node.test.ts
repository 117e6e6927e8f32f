// Node: start, self, list, alive, monitor, monitorNodes, stop, nodeOf, and the bad inputs of
// Node.start, across real node processes on a real nats-server.
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, expect, it } from "vitest";
import { Inbox, isPid } from "../../src/index.ts";
import { Node, nodeOf } from "../../src/dist/node.ts";
import { NodeError } from "../../src/dist/errors.ts";
import { OptionsError } from "../../src/runtime/errors.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses } from "../helpers/node-process.ts";
import { pidOf } from "./support.ts";

describeWithNats("Node", () => {
  const nats = useNats();
  useNodeProcesses(true);
  afterEach(async () => {
    await Node.stop();
  });

  it("names this node, lists the others, and is alive only while started", async () => {
    const cluster = uniqueCluster("node");
    expect(Node.self()).toBe("nonode@nohost");
    expect(Node.alive()).toBe(false);
    expect(Node.list()).toEqual([]);
    const a = await startNode("a", { url: nats.url, cluster });
    await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 500 });
    expect(Node.self()).toBe("t");
    expect(Node.alive()).toBe(true);
    expect(Node.list()).toEqual(["a"]);
    expect((await a.request<string[]>("list")).sort()).toEqual(["t"]);
    expect(await a.request("self")).toBe("a");
    await Node.stop();
    expect(Node.self()).toBe("nonode@nohost");
    expect(Node.alive()).toBe(false);
  });

  it("nodeOf names the node of a Pid or Ref", async () => {
    const cluster = uniqueCluster("nodeof");
    const a = await startNode("a", { url: nats.url, cluster });
    await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 500 });
    const remote = pidOf(await a.request("spawnIdle"));
    expect(isPid(remote)).toBe(true);
    expect(nodeOf(remote as never)).toBe("a");
    const box = new Inbox();
    expect(nodeOf(box.pid)).toBe("t");
    box.close();
    expect(() => nodeOf("x" as never)).toThrow(OptionsError);
  });

  it("monitorNodes reports nodeup and nodedown; Node.monitor reports one nodedown", async () => {
    const cluster = uniqueCluster("mon");
    await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 500 });
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    const a = await startNode("a", { url: nats.url, cluster });
    expect(await box.receive(undefined, 2000)).toEqual(["nodeup", "a"]);
    await box.run(() => Node.monitor("a"));
    await a.kill();
    expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
    expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
    expect(Node.list()).toEqual([]);
    // A node that is not up: nodedown at once.
    await box.run(() => Node.monitor("nobody"));
    expect(await box.receive(undefined, 1000)).toEqual(["nodedown", "nobody"]);
    box.close();
  });

  it("publishes parley:node:up and parley:node:down", async () => {
    const cluster = uniqueCluster("tele");
    const events: Array<[string, unknown]> = [];
    const up = (e: unknown): void => void events.push(["up", e]);
    const down = (e: unknown): void => void events.push(["down", e]);
    diagnostics_channel.subscribe("parley:node:up", up);
    diagnostics_channel.subscribe("parley:node:down", down);
    try {
      await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 500 });
      const box = new Inbox();
      await box.run(() => Node.monitorNodes());
      const a = await startNode("a", { url: nats.url, cluster });
      await box.receive(undefined, 2000);
      await a.kill();
      await box.receive(undefined, 2000);
      const b = await startNode("b", { url: nats.url, cluster });
      await box.receive(undefined, 2000);
      await b.stop();
      await box.receive(undefined, 2000);
      expect(events).toEqual([
        ["up", { node: "a" }],
        ["down", { node: "a", reason: "noconnection" }],
        ["up", { node: "b" }],
        ["down", { node: "b", reason: "stopped" }],
      ]);
      box.close();
    } finally {
      diagnostics_channel.unsubscribe("parley:node:up", up);
      diagnostics_channel.unsubscribe("parley:node:down", down);
    }
  });

  it("a node that stops is down for the others at once", async () => {
    const cluster = uniqueCluster("stop");
    await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 5000 });
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    const a = await startNode("a", { url: nats.url, cluster, nodedownAfterMs: 5000 });
    expect(await box.receive(undefined, 2000)).toEqual(["nodeup", "a"]);
    await a.stop();
    // Well before nodedownAfterMs (5 s): the goodbye, not the silence.
    expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
    box.close();
  });

  it("of two nodes starting under one name at once, never both start", async () => {
    const cluster = uniqueCluster("dup");
    const outcomes = await Promise.allSettled([startNode("dup", { url: nats.url, cluster }), startNode("dup", { url: nats.url, cluster })]);
    expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeLessThanOrEqual(1);
    for (const o of outcomes) if (o.status === "rejected") expect(String(o.reason)).toMatch(/name_in_use/);
  });

  it("rejects bad names, a second start, an unreachable broker and a name in use", async () => {
    const cluster = uniqueCluster("bad");
    for (const bad of ["", "a b", "x".repeat(65), "a*", 42]) {
      await expect(Node.start(bad as string, { servers: nats.url, cluster })).rejects.toThrow(NodeError);
    }
    await expect(Node.start("t", { servers: nats.url, cluster, heartbeatMs: 0 })).rejects.toThrow(OptionsError);
    await expect(Node.start("t", { servers: nats.url, cluster: "a.b" })).rejects.toThrow(OptionsError);
    await expect(Node.start("t", { servers: nats.url, cluster, heartbeatMs: 500, nodedownAfterMs: 400 })).rejects.toThrow(OptionsError);
    const unreachable = Node.start("t", { servers: "nats://127.0.0.1:1", cluster, connectTimeoutMs: 1000 });
    await expect(unreachable).rejects.toThrow(NodeError);
    await expect(unreachable).rejects.toMatchObject({ reason: ["unreachable", "nats://127.0.0.1:1"] });
    expect(Node.alive()).toBe(false);

    await startNode("a", { url: nats.url, cluster });
    await expect(Node.start("a", { servers: nats.url, cluster })).rejects.toMatchObject({ name: "NodeError", reason: ["name_in_use", "a"] });
    expect(Node.alive()).toBe(false);

    await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 500 });
    await expect(Node.start("t2", { servers: nats.url, cluster })).rejects.toMatchObject({ reason: "already_started" });
    expect(Node.self()).toBe("t");
  });
});
