// Cluster-wide global names across three node processes on one real nats-server: atomic claims
// every node agrees on, visibility within a heartbeat, messages and calls through a name, and
// release when the holder or its whole node goes away.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses, type NodeCommandError, type NodeProcess } from "../helpers/node-process.ts";

const HEARTBEAT = 100;
const NODEDOWN = 500;
// IPC round trips and a loaded 2-vCPU machine: what a test waits beyond the bound it checks.
const SLACK = 150;

describeWithNats("global names across nodes", () => {
  const nats = useNats();
  useNodeProcesses();
  const cluster = uniqueCluster();
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;

  beforeAll(async () => {
    const opts = { url: nats.url, cluster, heartbeatMs: HEARTBEAT, nodedownAfterMs: NODEDOWN };
    [a, b, c] = await Promise.all([startNode("a", opts), startNode("b", opts), startNode("c", opts)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a, b, c].map((n) => n?.stop()));
  });

  it("a name registered on one node is seen on every other within one heartbeat", async () => {
    const pid = await a.request("spawnIdle");
    expect(await a.request("registerGlobal", ["seen", pid])).toBe(true);
    expect(await b.request("awaitGlobal", ["seen", true, HEARTBEAT + SLACK])).toEqual(pid);
    expect(await c.request("awaitGlobal", ["seen", true, HEARTBEAT + SLACK])).toEqual(pid);
    expect(await c.request("registeredGlobalNames")).toContainEqual("seen");
    expect(await b.request("registerGlobal", ["seen", await b.request("spawnIdle")])).toBe(false);
  });

  it("of 50 concurrent registrations over three nodes exactly one wins, and every node agrees on it", async () => {
    const results = (await Promise.all([a.request("raceGlobal", [["race", 1], 17]), b.request("raceGlobal", [["race", 1], 17]), c.request("raceGlobal", [["race", 1], 16])])).flat() as Array<[unknown, boolean]>;
    expect(results).toHaveLength(50);
    const winners = results.filter(([, won]) => won);
    expect(winners).toHaveLength(1);
    const [winner] = winners[0]!;
    for (const node of [a, b, c]) expect(await node.request("awaitGlobal", [["race", 1], true, HEARTBEAT + SLACK])).toEqual(winner);
  });

  it("send and call reach a process through its global name on another node", async () => {
    await a.request("spawnEcho", ["feed", { global: ["feed", "btc"] }]);
    await b.request("awaitGlobal", [["feed", "btc"], true, HEARTBEAT + SLACK]);
    expect(await b.request("call", [{ global: ["feed", "btc"] }, "hello"])).toEqual(["echo", "hello"]);
    await b.request("send", [{ global: ["feed", "btc"] }, { tick: 1 }]);
    expect(await a.next("feed")).toEqual(["info", { tick: 1 }]);
  });

  it("start with a { global } name held on another node rejects StartError already_started with the remote pid", async () => {
    const holder = await a.request("spawnEcho", ["dup", { global: "dup" }]);
    await b.request("awaitGlobal", ["dup", true, HEARTBEAT + SLACK]);
    const err = await b.request("spawnEcho", ["dup2", { global: "dup" }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ remoteName: "StartError", reason: ["already_started", holder] });
  });

  it("of concurrent starts under one { global } name on three nodes, one starts and the others reject already_started", async () => {
    const outcomes = await Promise.all(
      [a, b, c].map((node) => node.request("spawnEcho", ["both", { global: "both" }]).then((pid) => ["started", pid] as const, (err: NodeCommandError) => ["rejected", err] as const)),
    );
    const started = outcomes.filter(([what]) => what === "started");
    expect(started).toHaveLength(1);
    const winner = started[0]![1];
    for (const [what, err] of outcomes) if (what === "rejected") expect(err).toMatchObject({ remoteName: "StartError", reason: ["already_started", winner] });
    for (const node of [a, b, c]) expect(await node.request("awaitGlobal", ["both", true, HEARTBEAT + SLACK])).toEqual(winner);
  });

  it("a holder that exits releases its name on every node", async () => {
    const pid = await b.request("spawnIdle");
    expect(await b.request("registerGlobal", ["short-lived", pid])).toBe(true);
    await a.request("awaitGlobal", ["short-lived", true, HEARTBEAT + SLACK]);
    await b.request("exit", [pid, "kill"]);
    expect(await a.request("awaitGlobal", ["short-lived", false, HEARTBEAT + SLACK])).toBeUndefined();
    expect(await c.request("awaitGlobal", ["short-lived", false, HEARTBEAT + SLACK])).toBeUndefined();
  });

  it("Node.stop releases the node's names at once, and its processes keep them on their own node", async () => {
    const d = await startNode("d", { url: nats.url, cluster, heartbeatMs: HEARTBEAT, nodedownAfterMs: NODEDOWN });
    const pid = await d.request("spawnIdle");
    expect(await d.request("registerGlobal", ["on-d", pid])).toBe(true);
    await a.request("awaitGlobal", ["on-d", true, HEARTBEAT + SLACK]);
    await d.request("nodeStop");
    expect(await a.request("awaitGlobal", ["on-d", false, HEARTBEAT + SLACK])).toBeUndefined();
    // Pids no longer cross from d (it left), so ask for the names its single-node table holds.
    expect(await d.request("registeredGlobalNames")).toEqual(["on-d"]);
    await d.stop();
  });

  it("SIGKILL of the holder's node releases its names within nodedownAfterMs and a heartbeat", async () => {
    const pid = await c.request("spawnIdle");
    expect(await c.request("registerGlobal", ["on-c", pid])).toBe(true);
    await a.request("awaitGlobal", ["on-c", true, HEARTBEAT + SLACK]);
    await b.request("awaitGlobal", ["on-c", true, HEARTBEAT + SLACK]);
    await c.kill("SIGKILL");
    const bound = NODEDOWN + HEARTBEAT + SLACK;
    await Promise.all([a.request("awaitGlobal", ["on-c", false, bound]), b.request("awaitGlobal", ["on-c", false, bound])]);
    // The name is free for the survivors to claim again.
    expect(await a.request("registerGlobal", ["on-c", await a.request("spawnIdle")])).toBe(true);
  });
});
