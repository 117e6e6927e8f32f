// Failure paths of distribution across real node processes: a node killed mid-call, a node
// stopped (SIGSTOP) and resumed, a node restarted under its name, the broker restarted
// mid-traffic, and hostile bytes on the cluster's subjects.
import diagnostics_channel from "node:diagnostics_channel";
import { connect } from "@nats-io/transport-node";
import { afterEach, expect, it } from "vitest";
import { GenServer, Inbox, link, monitor, send } from "../../src/index.ts";
import { Node } from "../../src/dist/node.ts";
import { pidToWire } from "../../src/dist/remote-pids.ts";
import { encode } from "../../src/dist/codec.ts";
import type { NodeDroppedEvent } from "../../src/dist/telemetry.ts";
import { describeWithNats, natsRestartable, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses, type NodeProcess } from "../helpers/node-process.ts";
import { FAST, pidOf } from "./support.ts";

describeWithNats("distribution faults", () => {
  const nats = useNats();
  useNodeProcesses(true);
  afterEach(async () => {
    await Node.stop();
  });

  async function cluster(prefix: string, ...names: string[]): Promise<NodeProcess[]> {
    const name = uniqueCluster(prefix);
    const nodes = await Promise.all(names.map((n) => startNode(n, { url: nats.url, cluster: name })));
    await Node.start("t", { servers: nats.url, cluster: name, ...FAST });
    return nodes;
  }

  it("SIGKILL mid-call: the call rejects nodedown, monitors get noconnection, links exit noconnection", async () => {
    const [a] = await cluster("kill", "a");
    const idle = pidOf(await a!.request("spawnIdle"));
    const box = new Inbox({ trapExit: true });
    await box.run(() => Node.monitorNodes());
    const ref = await box.run(() => monitor(idle));
    await box.run(() => link(idle));
    // Never answered; far longer than the test: only the nodedown can end it.
    const pending = GenServer.call(idle, "never", 60_000).catch((e: unknown) => e);
    await GenServer.call({ name: "nobody-sync", node: "a" }, 0).catch(() => undefined);
    await a!.kill("SIGKILL");
    expect(await pending).toMatchObject({ name: "ExitError", reason: ["nodedown", "a"] });
    const got = [await box.receive(undefined, 2000), await box.receive(undefined, 2000), await box.receive(undefined, 2000)];
    expect(got).toContainEqual(["DOWN", ref, "process", idle, "noconnection"]);
    expect(got).toContainEqual(["EXIT", idle, "noconnection"]);
    expect(got).toContainEqual(["nodedown", "a"]);
    expect(Node.list()).toEqual([]);
    // Its Pids stay dead: monitoring one now answers at once.
    const late = await box.run(() => monitor(idle));
    expect(await box.receive(undefined, 500)).toEqual(["DOWN", late, "process", idle, "noconnection"]);
    box.close();
  });

  it("a call to a node killed a moment ago fails at once ('no responders'), long before nodedownAfterMs", async () => {
    const name = uniqueCluster("bounce");
    const a = await startNode("a", { url: nats.url, cluster: name, nodedownAfterMs: 20_000 });
    await Node.start("t", { servers: nats.url, cluster: name, heartbeatMs: 100, nodedownAfterMs: 20_000 });
    const echo = pidOf(await a.request("spawnEcho", ["e"]));
    expect(await GenServer.call(echo, "alive")).toEqual(["echo", "alive"]);
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    await a.kill("SIGKILL");
    // nodedownAfterMs is 20 s and the test's limit 5 s: only the broker's answer can end this call.
    await expect(GenServer.call(echo, "dead?", 60_000)).rejects.toMatchObject({ reason: ["nodedown", "a"] });
    expect(await box.receive(undefined, 1000)).toEqual(["nodedown", "a"]);
    box.close();
  });

  it("a node restarted under its name is a new incarnation: its old Pids never reach the new one", async () => {
    const name = uniqueCluster("inc");
    let a = await startNode("a", { url: nats.url, cluster: name });
    await Node.start("t", { servers: nats.url, cluster: name, ...FAST });
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    const old = pidOf(await a.request("reporter", ["r"]));
    await a.kill("SIGKILL");
    expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
    a = await startNode("a", { url: nats.url, cluster: name });
    expect(await box.receive(undefined, 2000)).toEqual(["nodeup", "a"]);
    // The new incarnation's first reporter has the same local id as the old one.
    const fresh = pidOf(await a.request("reporter", ["r"]));
    expect(fresh.id).toBe(old.id);
    expect(fresh).not.toBe(old);
    send(old, "to the old one");
    send(fresh, "to the new one");
    expect(await a.next("r")).toBe("to the new one");
    expect(a.pending()).toEqual([]);
    box.close();
  });

  it("SIGSTOP: the node is declared down; resumed, it rejoins as a new incarnation", async () => {
    const [a] = await cluster("stop", "a");
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    const idle = pidOf(await a!.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    await a!.kill("SIGSTOP");
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", ref, "process", idle, "noconnection"]);
    expect(await box.receive(undefined, 2000)).toEqual(["nodedown", "a"]);
    await a!.kill("SIGCONT");
    expect(await box.receive(undefined, 3000)).toEqual(["nodeup", "a"]);
    // The old Pid is dead for good; the node works under its new incarnation.
    send(idle, "lost");
    const echo = pidOf(await a!.request("spawnEcho", ["e"]));
    expect(await GenServer.call(echo, "back")).toEqual(["echo", "back"]);
    box.close();
  });

  it.skipIf(!natsRestartable)("broker restart mid-traffic: no duplicates, order kept, monitors fire for what was declared down", async () => {
    const [a] = await cluster("broker", "a");
    const box = new Inbox();
    await box.run(() => Node.monitorNodes());
    const reporter = pidOf(await a!.request("reporter", ["seq"]));
    const idle = pidOf(await a!.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    let seq = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++) send(reporter, seq++);
    }, 5);
    try {
      await a!.next("seq", (n) => (n === 100 ? n : undefined), 5000);
      await nats.server.stop();
      expect(await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined), 3000)).toEqual(["DOWN", ref, "process", idle, "noconnection"]);
      await box.receive((m) => (Array.isArray(m) && m[0] === "nodedown" ? m : undefined), 3000);
      await nats.server.restart();
      expect(await box.receive((m) => (Array.isArray(m) && m[0] === "nodeup" ? m : undefined), 10_000)).toEqual(["nodeup", "a"]);
    } finally {
      clearInterval(pump);
    }
    // What arrived came once and in order; after the restart the cluster works again.
    const arrived = a!.pending().filter((e) => e.tag === "seq").map((e) => e.data as number);
    for (let i = 1; i < arrived.length; i++) expect(arrived[i]!).toBeGreaterThan(arrived[i - 1]!);
    const echo = pidOf(await a!.request("spawnEcho", ["e"]));
    expect(await GenServer.call(echo, "after")).toEqual(["echo", "after"]);
    box.close();
  }, 30_000);

  it("hostile bytes on the cluster's subjects are dropped and reported; the node stays up", async () => {
    const name = uniqueCluster("hostile");
    const a = await startNode("a", { url: nats.url, cluster: name });
    await Node.start("t", { servers: nats.url, cluster: name, ...FAST });
    const dropped: NodeDroppedEvent[] = [];
    const listener = (e: unknown): void => void dropped.push(e as NodeDroppedEvent);
    diagnostics_channel.subscribe("parley:node:dropped", listener);
    try {
      const box = new Inbox();
      const [, incarnation] = pidToWire(box.pid);
      const subject = `parley.${name}.n.t.${incarnation}`;
      const aIncarnation = (pidOf(await a.request("spawnIdle")).home as unknown as { incarnation: number }).incarnation;
      const nc = await connect({ servers: nats.url });
      const hostile: Uint8Array[] = [
        new Uint8Array([0xc1, 0xff, 0x00]),
        new TextEncoder().encode("not msgpack at all"),
        // A map whose key is __proto__: { "__proto__": true }.
        new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode("__proto__"), 0xc3]),
        encode([99, "a", aIncarnation, "x"]),
        encode([0, "a", aIncarnation, "not a pid", null, "x"]),
        encode([0, "a", aIncarnation, box.pid, "NoSuchClass", "x"]),
        encode([7, "a", aIncarnation, box.pid]),
      ];
      for (const bytes of hostile) nc.publish(subject, bytes);
      nc.publish(`parley.${name}.hb`, new Uint8Array([1, 2, 3]));
      nc.publish(`parley.${name}.hb`, encode(["hb", "no spaces allowed", 1]));
      // After the hostile ones on the same connection: once it is here, they were all handled.
      nc.publish(subject, encode([0, "a", aIncarnation, box.pid, null, "still here"]));
      await nc.flush();
      expect(await box.receive(undefined, 2000)).toBe("still here");
      await nc.close();
      expect(dropped.length).toBeGreaterThanOrEqual(hostile.length + 1);
      expect(dropped.every((e) => e.subject.startsWith(`parley.${name}.`) && typeof e.kind === "string" && e.size > 0)).toBe(true);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      // Still a working node.
      const echo = pidOf(await a.request("spawnEcho", ["e"]));
      expect(await GenServer.call(echo, "ok?")).toEqual(["echo", "ok?"]);
      expect(await a.request("call", [{ name: "nobody", node: "t" }, 1]).catch((e: { remoteName?: string }) => e.remoteName)).toBe("NoProcError");
      box.close();
    } finally {
      diagnostics_channel.unsubscribe("parley:node:dropped", listener);
    }
  });
});
