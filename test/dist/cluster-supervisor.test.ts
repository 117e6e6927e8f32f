// ClusterSupervisor across three node processes on one real nats-server: every node starts the
// same supervisor; nodes are killed (one, then two at once), restarted, and the broker goes away
// for two seconds. After each, every child runs exactly once (asked of every node), its global
// name resolves to it, and no child ever ran on two nodes at once: each child appends its starts
// and stops to a log file, and the intervals of one child never overlap.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ownerOf } from "../../src/dist/placement.ts";
import { termKey } from "../../src/runtime/names/term-key.ts";
import { describeWithNats, natsRestartable, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses, type NodeCommandError, type NodeProcess } from "../helpers/node-process.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";

const SUP = "feeds";
const WORKERS = ["w1", "w2", "w3", "w4", "w5", "w6"];
const IDS = [...WORKERS, "f1"];
// How long a test waits for the cluster to settle: nodedownAfterMs (1000) + starts, with room for a loaded machine.
const SETTLE_MS = 8000;

type Token = { $pid: unknown };

describeWithNats("ClusterSupervisor across three nodes", () => {
  const nats = useNats();
  useNodeProcesses();
  const cluster = uniqueCluster("csup");
  const log = join(mkdtempSync(join(tmpdir(), "parley-csup-")), "intervals.log");
  const nodes = new Map<string, NodeProcess>();
  // When each node was killed: its children's open intervals end there.
  const kills: Array<{ node: string; t: number }> = [];
  let ws: TestServer;

  async function up(name: string): Promise<NodeProcess> {
    // nodedownAfterMs 1000, not 500: the whole suite loads 2 vCPUs, and a node stalled for longer
    // than that is rightly declared down, which would turn a test of one failover into another.
    const node = await startNode(name, { url: nats.url, cluster, nodedownAfterMs: 1000 });
    nodes.set(name, node);
    const children = [...WORKERS.map((id) => ["worker", { id, log }]), ["feed", { id: "f1", log, url: ws.url }]];
    await node.request("csStart", [SUP, children]);
    return node;
  }

  async function kill(...names: string[]): Promise<void> {
    await Promise.all(names.map((n) => nodes.get(n)!.kill("SIGKILL")));
    const t = Date.now();
    for (const n of names) {
      nodes.delete(n);
      kills.push({ node: n, t });
    }
  }

  /** Where each child runs, asked of every live node, once every child runs exactly once. */
  async function settled(within = SETTLE_MS): Promise<Map<string, { node: string; pid: Token }>> {
    const deadline = performance.now() + within;
    let last = "";
    for (;;) {
      const where = new Map<string, { node: string; pid: Token }>();
      let duplicate = false;
      for (const [name, node] of nodes) {
        const local = await node.request<Array<[string, Token]>>("csLocal", [SUP]).catch(() => []);
        for (const [id, pid] of local) {
          if (where.has(id)) duplicate = true;
          where.set(id, { node: name, pid });
        }
      }
      const placed = IDS.every((id) => where.has(id) && typeof where.get(id)!.pid === "object");
      const expected = IDS.every((id) => where.get(id)?.node === ownerOf(termKey(id), nodes.keys()));
      // The nodes are asked one after the other: a child moving meanwhile may show on two of them.
      // Whether two copies ever ran at once is noOverlap's to say, from the children's own records.
      if (placed && expected && !duplicate && where.size === IDS.length) return where;
      last = JSON.stringify([...where].map(([id, w]) => [id, w.node, typeof w.pid === "object" ? "pid" : w.pid, ownerOf(termKey(id), nodes.keys())]));
      if (performance.now() > deadline) {
        const states = await Promise.all([...nodes.values()].map((n) => n.request("csState", [SUP]).catch((e: Error) => e.message)));
        throw new Error(`not settled within ${within} ms: ${last}; supervisors: ${JSON.stringify(states)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Every child's global name answers from the node that runs it, asked from every node. */
  async function namesResolve(where: Map<string, { node: string }>): Promise<void> {
    for (const asker of nodes.values()) {
      for (const id of WORKERS) {
        expect(await asker.request("call", [{ global: ["worker", id] }, "where"])).toEqual([id, where.get(id)!.node]);
      }
    }
  }

  /** No child ever had two open intervals: a start only after the previous copy stopped or its node died. */
  function noOverlap(): void {
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; node: string; event: string; t: number })
      .filter((e) => e.event !== "connect");
    for (const id of IDS) {
      const open = new Map<string, number>();
      const mine = events.filter((e) => e.id === id);
      // Within one millisecond the file's order (append order) is the true one; a kill comes first.
      const timeline = [...kills.map((k) => ({ id, node: k.node, event: "killed", t: k.t })), ...mine];
      timeline.sort((x, y) => x.t - y.t);
      for (const e of timeline) {
        if (e.event === "start") {
          expect([...open.keys()], `${id} started on ${e.node} at ${e.t} while running on another node`).toEqual([]);
          open.set(e.node, e.t);
        } else {
          open.delete(e.node);
        }
      }
    }
  }

  beforeAll(async () => {
    ws = await startServer();
    await Promise.all(["a", "b", "c"].map(up));
  }, 30_000);

  afterAll(async () => {
    await ws?.close();
  });

  it("runs each child exactly once, spread by placement; names resolve; whichChildren from any node", async () => {
    const where = await settled();
    await namesResolve(where);
    const expected = JSON.stringify([...where].map(([id, w]) => [id, w.node]).sort());
    for (const node of nodes.values()) {
      // A node lists the members it has seen: right after a start it may not have seen them all yet.
      const deadline = performance.now() + SETTLE_MS;
      let listed = "";
      while (listed !== expected && performance.now() < deadline) {
        const list = await node.request<Array<{ id: string; node: string }>>("csWhich", [SUP]);
        listed = JSON.stringify(list.map((c) => [c.id, c.node]).sort());
      }
      expect(listed).toBe(expected);
    }
    expect(new Set([...where.values()].map((w) => w.node)).size).toBeGreaterThan(1);
    noOverlap();
  });

  it("a crashing child restarts on its own node", async () => {
    const before = await settled();
    const { node } = before.get("w1")!;
    await expect(nodes.get(node)!.request("call", [{ global: ["worker", "w1"] }, "crash"])).rejects.toMatchObject({ remoteName: "ExitError" });
    const deadline = performance.now() + SETTLE_MS;
    let after = await settled();
    while (JSON.stringify(after.get("w1")!.pid) === JSON.stringify(before.get("w1")!.pid) && performance.now() < deadline) after = await settled();
    expect(after.get("w1")!.node).toBe(node);
    expect(after.get("w1")!.pid).not.toEqual(before.get("w1")!.pid);
    noOverlap();
  });

  it("SIGKILL of a node: its children start on the survivors, the client's handleConnect runs there", async () => {
    const before = await settled();
    const victim = before.get("f1")!.node;
    const survivors = [...nodes.values()].filter((n) => n.name !== victim);
    const killedAt = Date.now();
    const fresh = (d: unknown): unknown => ((d as { id: string; t: number }).id === "f1" && (d as { t: number }).t >= killedAt ? d : undefined);
    const connected = Promise.any(survivors.map((n) => n.next("connect", fresh, SETTLE_MS)));
    await kill(victim);
    expect(await connected).toMatchObject({ id: "f1", node: ownerOf(termKey("f1"), nodes.keys()) });
    const after = await settled();
    // Children of the survivors stayed where they were, as the same processes.
    for (const [id, w] of before) if (w.node !== victim) expect(after.get(id)).toEqual(w);
    await namesResolve(after);
    noOverlap();
  });

  it("a node that joins takes only what placement gives it; the old copy stops first (close 1001)", async () => {
    const before = await settled();
    const returning = ["a", "b", "c"].find((n) => !nodes.has(n))!;
    await up(returning);
    const after = await settled();
    for (const [id, w] of after) {
      if (w.node === returning) continue;
      expect(after.get(id)).toEqual(before.get(id));
    }
    if (after.get("f1")!.node === returning) {
      expect((await ws.waitFor("close", (e) => e.code === 1001, 2000)).code).toBe(1001);
    }
    await namesResolve(after);
    noOverlap();
  });

  it("two nodes killed at once: the last one runs everything", async () => {
    await settled();
    const [keep, ...victims] = [...nodes.keys()];
    await kill(...victims);
    const after = await settled();
    expect(new Set([...after.values()].map((w) => w.node))).toEqual(new Set([keep]));
    await namesResolve(after);
    await Promise.all(victims.map(up));
    await namesResolve(await settled());
    noOverlap();
  });

  it.skipIf(!natsRestartable)("the broker away for 2 s: the children stop where they were cut off and run once when it is back", async () => {
    await settled();
    await nats.server.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await nats.server.restart();
    // Every node rejoins as a new incarnation and places again: on a loaded machine this takes a while.
    await namesResolve(await settled(2 * SETTLE_MS));
    noOverlap();
  }, 30_000);

  it("startChild and terminateChild act cluster-wide from any node", async () => {
    const [first, second] = [...nodes.values()];
    await first!.request("csStartChild", [SUP, "worker", { id: "extra", log }]);
    await expect(second!.request("csStartChild", [SUP, "worker", { id: "extra", log }])).rejects.toMatchObject({ remoteName: "StartError" });
    const owner = nodes.get(ownerOf(termKey("extra"), nodes.keys())!)!;
    const deadline = performance.now() + SETTLE_MS;
    const runs = async (): Promise<boolean> => (await owner.request<Array<[string]>>("csLocal", [SUP])).some(([id]) => id === "extra");
    while (!(await runs())) {
      if (performance.now() > deadline) throw new Error("extra never started");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await second!.request("awaitGlobal", [["worker", "extra"], true, SETTLE_MS]);
    expect(await second!.request("call", [{ global: ["worker", "extra"] }, "where"])).toEqual(["extra", owner.name]);
    await second!.request("csTerminateChild", [SUP, "extra"]);
    await owner.request("awaitGlobal", [["worker", "extra"], false, SETTLE_MS]);
    expect(await owner.request<Array<[string]>>("csLocal", [SUP])).not.toContainEqual(expect.arrayContaining(["extra"]));
    const missing = await first!.request("csTerminateChild", [SUP, "nobody"]).catch((e: NodeCommandError) => e.remoteName);
    expect(missing).toBe("NotFoundError");
  });

  it("restart intensity exceeded on a node: its supervisor exits and the others take its children", async () => {
    const before = await settled();
    const { node } = before.get("w2")!;
    const holder = nodes.get(node)!;
    // maxRestarts 3 within 5 s: the fourth crash is one too many.
    for (let i = 0; i < 4; i++) {
      await holder.request("awaitGlobal", [["worker", "w2"], true, SETTLE_MS]);
      await holder.request("call", [{ global: ["worker", "w2"] }, "crash"]).catch(() => undefined);
    }
    // Gone (NoProcError), or going while asked (ExitError).
    const gone = await holder.request("csLocal", [SUP]).catch((e: NodeCommandError) => e.remoteName);
    expect(["NoProcError", "ExitError"]).toContain(gone);
    // Placement without that node's supervisor: everything it had runs elsewhere.
    const others = [...nodes.keys()].filter((n) => n !== node);
    const deadline = performance.now() + SETTLE_MS;
    for (;;) {
      const where = new Map<string, string>();
      for (const n of others) for (const [id] of await nodes.get(n)!.request<Array<[string]>>("csLocal", [SUP])) where.set(id, n);
      if (IDS.every((id) => where.get(id) === ownerOf(termKey(id), others))) break;
      if (performance.now() > deadline) throw new Error(`not taken over: ${JSON.stringify([...where])}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    noOverlap();
  });
});
