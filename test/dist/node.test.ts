// Node: start, self, list, alive, monitor, monitorNodes, stop, nodeOf, telemetry, and the bad
// inputs of Node.start, across real node processes on a real nats-server.
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, expect, it } from "vitest";
import { Inbox, isPid, monitor, send } from "../../src/index.ts";
import { Node, nodeOf } from "../../src/dist/node.ts";
import { NodeError } from "../../src/dist/errors.ts";
import { NoProcessContextError, OptionsError } from "../../src/runtime/errors.ts";
import { describeWithNats, uniqueCluster, untilBrokerDropped, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses } from "../helpers/node-process.ts";
import { FAST, pidOf } from "./support.ts";

describeWithNats("Node", () => {
  const nats = useNats();
  useNodeProcesses(true);
  afterEach(async () => {
    await Node.stop();
  });

  it("names this node, lists the others, is alive only while started; nodeOf names a Pid's node", async () => {
    const cluster = uniqueCluster("node");
    expect(Node.self()).toBe("nonode@nohost");
    expect(Node.alive()).toBe(false);
    expect(Node.list()).toEqual([]);
    const box = new Inbox();
    expect(nodeOf(box.pid)).toBe("nonode@nohost");
    const a = await startNode("a", { url: nats.url, cluster });
    await Node.start("t", { servers: nats.url, cluster, ...FAST });
    expect(Node.self()).toBe("t");
    expect(Node.alive()).toBe(true);
    expect(Node.list()).toEqual(["a"]);
    expect(await a.request("list")).toEqual(["t"]);
    expect(await a.request("self")).toBe("a");
    const remote = pidOf(await a.request("spawnIdle"));
    expect(isPid(remote)).toBe(true);
    expect(nodeOf(remote)).toBe("a");
    expect(nodeOf(box.pid)).toBe("t");
    expect(() => nodeOf("x" as never)).toThrow(OptionsError);
    const ref = await box.run(() => monitor(remote));
    // Sent in the same turn as the stop: it leaves before the goodbye, so it arrives.
    const reporter = pidOf(await a.request("reporter", ["last"]));
    send(reporter, "sent as the node stops");
    await Node.stop();
    expect(await a.next("last")).toBe("sent as the node stops");
    expect(Node.self()).toBe("nonode@nohost");
    expect(Node.alive()).toBe(false);
    // Leaving, every other node is down here: monitors of their processes fire.
    expect(await box.receive(undefined, 1000)).toEqual(["DOWN", ref, "process", remote, "noconnection"]);
    expect(Node.list()).toEqual([]);
    box.close();
  });

  it("monitorNodes reports nodeup and nodedown, Node.monitor one nodedown, telemetry both with the reason", async () => {
    const cluster = uniqueCluster("mon");
    const events: Array<[string, unknown]> = [];
    const up = (e: unknown): void => void events.push(["up", e]);
    const down = (e: unknown): void => void events.push(["down", e]);
    diagnostics_channel.subscribe("parley:node:up", up);
    diagnostics_channel.subscribe("parley:node:down", down);
    try {
      await Node.start("t", { servers: nats.url, cluster, heartbeatMs: 100, nodedownAfterMs: 5000 });
      const box = new Inbox();
      await box.run(() => Node.monitorNodes());
      const [a, b] = await Promise.all([startNode("a", { url: nats.url, cluster }), startNode("b", { url: nats.url, cluster, nodedownAfterMs: 5000 })]);
      const ups = [await box.receive(undefined, 2000), await box.receive(undefined, 2000)];
      expect(ups).toContainEqual(["nodeup", "a"]);
      expect(ups).toContainEqual(["nodeup", "b"]);
      await box.run(() => Node.monitor("a"));
      await box.run(() => Node.monitor("b"));
      await box.run(() => Node.monitor("b", false));
      const idle = pidOf(await a.request("spawnIdle"));
      await a.kill();
      await untilBrokerDropped(nats.url, cluster, "a");
      // nodedownAfterMs is 5 s here: the monitor bounces off the broker and a is down at once.
      const ref = await box.run(() => monitor(idle));
      expect(await box.receive(undefined, 2000)).toEqual(["DOWN", ref, "process", idle, "noconnection"]);
      expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
      expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
      expect(Node.list()).toEqual(["b"]);
      // A stop is seen at once (its goodbye), well before nodedownAfterMs (5 s); b's monitor was taken back.
      await b.stop();
      expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "b"]);
      // A node that is not up: nodedown at once.
      await box.run(() => Node.monitor("nobody"));
      expect(await box.receive(undefined, 1000)).toEqual(["nodedown", "nobody"]);
      expect(box.peek()).toEqual([]);
      expect(events.filter(([, e]) => (e as { node: string }).node === "a")).toEqual([
        ["up", { node: "a" }],
        ["down", { node: "a", reason: "noconnection" }],
      ]);
      expect(events).toContainEqual(["down", { node: "b", reason: "stopped" }]);
      box.close();
    } finally {
      diagnostics_channel.unsubscribe("parley:node:up", up);
      diagnostics_channel.unsubscribe("parley:node:down", down);
    }
  });

  it("rejects bad names, bad options, a second start, an unreachable broker, a name in use; two starting under one name never both start", async () => {
    const cluster = uniqueCluster("bad");
    for (const bad of ["", "a b", "x".repeat(65), "a*", "nonode@nohost", 42]) {
      await expect(Node.start(bad as string, { servers: nats.url, cluster })).rejects.toThrow(NodeError);
    }
    await expect(Node.start("t", { servers: nats.url, cluster, heartbeatMs: 0 })).rejects.toThrow(OptionsError);
    await expect(Node.start("t", { servers: nats.url, cluster: "a.b" })).rejects.toThrow(OptionsError);
    await expect(Node.start("t", { servers: [], cluster })).rejects.toThrow(OptionsError);
    await expect(Node.start("t", { servers: nats.url, cluster, heartbeatMs: 500, nodedownAfterMs: 400 })).rejects.toThrow(OptionsError);
    const unreachable = Node.start("t", { servers: "nats://127.0.0.1:1", cluster, connectTimeoutMs: 1000 });
    await expect(unreachable).rejects.toThrow(NodeError);
    await expect(unreachable).rejects.toMatchObject({ reason: ["unreachable", "nats://127.0.0.1:1"] });
    expect(Node.alive()).toBe(false);

    const outcomes = await Promise.allSettled([startNode("dup", { url: nats.url, cluster }), startNode("dup", { url: nats.url, cluster })]);
    expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeLessThanOrEqual(1);
    for (const o of outcomes) if (o.status === "rejected") expect(String(o.reason)).toMatch(/name_in_use/);
    if (outcomes.some((o) => o.status === "fulfilled")) {
      await expect(Node.start("dup", { servers: nats.url, cluster })).rejects.toMatchObject({ name: "NodeError", reason: ["name_in_use", "dup"] });
      expect(Node.alive()).toBe(false);
    }

    await Node.start("t", { servers: nats.url, cluster, ...FAST });
    await expect(Node.start("t2", { servers: nats.url, cluster })).rejects.toMatchObject({ reason: "already_started" });
    expect(Node.self()).toBe("t");
    expect(() => Node.monitorNodes()).toThrow(NoProcessContextError);
  });
});
