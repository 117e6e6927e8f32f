// The cluster's name table in this process against a real nats-server, with a second, raw KV client
// playing the other nodes (it writes entries as they would). Cross-process behaviour is in
// global-names.test.ts.
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { keyOfTerm } from "../../src/dist/name-keys.ts";
import { termKey } from "../../src/runtime/names/term-key.ts";
import { startClusterNames, type ClusterNames, type NameTableHost } from "../../src/dist/name-table.ts";
import { joinWire, leaveWire, pidFromWire, pidToWire, type PeerHome } from "../../src/dist/remote-pids.ts";
import { Global } from "../../src/runtime/names/global.ts";
import type { Term } from "../../src/runtime/names/names-types.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import type { Pid, Signal } from "../../src/runtime/process/pid.ts";
import { downArrived } from "../../src/runtime/process/home.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { exit, spawn } from "../../src/runtime/process/spawn.ts";
import { until } from "../helpers/client.ts";
import { useLogCapture } from "../helpers/runtime.ts";
import { describeWithNats, natsRestartable, startNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startTcpRelay, type TcpRelay } from "../helpers/tcp-relay.ts";

const SELF = { node: "a@test", incarnation: 11 };

describeWithNats("cluster name table", () => {
  const nats = useNats();
  const logs = useLogCapture();
  const cluster = uniqueCluster();
  let relay: TcpRelay;
  let nc: NatsConnection;
  let raw: NatsConnection;
  let kv: KV;
  let table: ClusterNames;
  let host: NameTableHost;
  const rejoinListeners: Array<(incarnation: number) => void> = [];
  let heldBeforeStart: Pid;

  beforeAll(async () => {
    joinWire(SELF.node, SELF.incarnation, peer);
    heldBeforeStart = idle();
    expect(Global.registerName("before-start", heldBeforeStart)).toBe(true);
    relay = await startTcpRelay(Number(new URL(nats.url).port));
    nc = await connect({ servers: `nats://127.0.0.1:${relay.port}`, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    host = { connection: nc, onRejoin: (l) => rejoinListeners.push(l) };
    raw = await connect({ servers: nats.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    table = await startClusterNames(host, {
      cluster,
      reconcileMs: 500,
    });
    kv = await new Kvm(raw).open(`parley_${cluster}_names`);
  });

  afterAll(async () => {
    await table?.close();
    await nc?.close();
    await raw?.close();
    await relay?.close();
    leaveWire();
  });

  it("claims the names the single-node table held when it starts", async () => {
    expect(Global.whereisName("before-start")).toBe(heldBeforeStart);
    expect(await holderInBucket("before-start")).toEqual(pidToWire(heldBeforeStart));
  });

  it("register claims a free name in the bucket, and the holder's exit releases it", async () => {
    const pid = idle();
    const changes = await watchName(["feed", "btc"]);
    expect(await Global.register(["feed", "btc"], pid)).toBe(true);
    expect(Global.whereisName(["feed", "btc"])).toBe(pid);
    expect((await changes.next()).operation).toBe("PUT");
    expect(await holderInBucket(["feed", "btc"])).toEqual(pidToWire(pid));
    expect(Global.registeredNames()).toContainEqual(["feed", "btc"]);
    exit(pid, "kill");
    expect(Global.whereisName(["feed", "btc"])).toBeUndefined();
    expect((await changes.next()).operation).toBe("DEL");
    changes.stop();
  });

  it("a name another node claimed is seen here, and claims of it fail", async () => {
    const remote = ["b@test", 3, 7] as const;
    await kv.create(nameKey("from-b"), JSON.stringify({ name: "from-b", pid: remote }));
    await until(() => Global.whereisName("from-b") !== undefined);
    expect(Global.whereisName("from-b")).toBe(pidFromWire(remote));
    expect(await Global.register("from-b", idle())).toBe(false);
    expect(Global.registerName("from-b", idle())).toBe(false);
    expect(() => Global.send("from-b", "hi")).not.toThrow();
  });

  it("a name that is not a JSON-like term is refused with OptionsError naming it", async () => {
    const fn = (): number => 1;
    await expect(Global.register(fn as never, idle())).rejects.toMatchObject({ name: "OptionsError", value: { global: fn } });
    expect(() => Global.registerName(["ok", Number.NaN] as never, idle())).toThrow(/expected .*JSON-like/);
  });

  it("of 50 concurrent registrations of one name exactly one wins", async () => {
    const pids = Array.from({ length: 50 }, idle);
    const results = await Promise.all(pids.map((pid) => Global.register("contended", pid)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = pids[results.indexOf(true)]!;
    expect(Global.whereisName("contended")).toBe(winner);
    expect(await holderInBucket("contended")).toEqual(pidToWire(winner));
  });

  it("registerName claims at once; when another node committed first, the local holder exits global_name_conflict", async () => {
    const box = new Inbox();
    const pid = idle();
    box.run(() => monitor(pid));
    relay.pause();
    try {
      expect(Global.registerName("raced", pid)).toBe(true);
      expect(Global.whereisName("raced")).toBe(pid);
      await kv.create(nameKey("raced"), JSON.stringify({ name: "raced", pid: ["c@test", 5, 9] }));
    } finally {
      relay.resume();
    }
    const down = await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined), 5000);
    expect(down[4]).toEqual(["global_name_conflict", "raced"]);
    await until(() => Global.whereisName("raced") === pidFromWire(["c@test", 5, 9]));
    box.close();
  });

  it("a release never removes a newer claim of the name", async () => {
    const pid = idle();
    expect(await Global.register("reclaimed", pid)).toBe(true);
    const revision = (await kv.get(nameKey("reclaimed")))!.revision;
    // Another node takes the name over (as if ours had been purged) before our holder exits.
    await kv.delete(nameKey("reclaimed"), { previousSeq: revision });
    await kv.create(nameKey("reclaimed"), JSON.stringify({ name: "reclaimed", pid: ["b@test", 3, 8] }));
    await until(() => Global.whereisName("reclaimed") !== pid);
    const changes = await watchName("reclaimed");
    exit(pid, "kill");
    // The release is a delete at our revision: it must leave the newer claim alone.
    await expect(changes.next(300)).rejects.toThrow(/no change/);
    changes.stop();
    expect(await holderInBucket("reclaimed")).toEqual(["b@test", 3, 8]);
  });

  it("a holder whose node goes down loses its name here and in the bucket", async () => {
    await kv.create(nameKey("on-d"), JSON.stringify({ name: "on-d", pid: ["d@test", 4, 1] }));
    await until(() => Global.whereisName("on-d") !== undefined && monitorsOf("d@test").length > 0);
    const changes = await watchName("on-d");
    nodeGoesDown("d@test");
    await until(() => Global.whereisName("on-d") === undefined);
    expect((await changes.next()).operation).toBe("DEL");
    changes.stop();
  });

  it("an entry of a node that is down already (a stale incarnation) is purged when seen", async () => {
    down.add("e@test");
    const changes = await watchName("on-e");
    await kv.create(nameKey("on-e"), JSON.stringify({ name: "on-e", pid: ["e@test", 6, 1] }));
    expect((await changes.next()).operation).toBe("PUT");
    expect((await changes.next()).operation).toBe("DEL");
    expect(Global.whereisName("on-e")).toBeUndefined();
    changes.stop();
  });

  it("a holder on another node that ends loses its name, even before its node releases it", async () => {
    await kv.create(nameKey("on-f"), JSON.stringify({ name: "on-f", pid: ["f@test", 2, 1] }));
    await until(() => Global.whereisName("on-f") !== undefined && monitorsOf("f@test").length > 0);
    const [, watcher, , ref] = monitorsOf("f@test")[0]!;
    downArrived(watcher, ref, Global.whereisName("on-f"), "normal");
    await until(() => Global.whereisName("on-f") === undefined);
  });

  it("an entry of this node's that its table did not claim is kept while its holder lives, deleted once it is gone", async () => {
    const dead = idle();
    exit(dead, "kill");
    const stale = await watchName("stale-local");
    await kv.create(nameKey("stale-local"), JSON.stringify({ name: "stale-local", pid: pidToWire(dead) }));
    expect((await stale.next()).operation).toBe("PUT");
    expect((await stale.next()).operation).toBe("DEL");
    stale.stop();
    const alive = idle();
    const kept = await watchName("kept-local");
    await kv.create(nameKey("kept-local"), JSON.stringify({ name: "kept-local", pid: pidToWire(alive) }));
    expect((await kept.next()).operation).toBe("PUT");
    await until(() => Global.whereisName("kept-local") === alive);
    exit(alive, "kill");
    expect((await kept.next()).operation).toBe("DEL");
    kept.stop();
  });

  it("claims a name the bucket still gives to an ended process of this node (its release in flight, as when a supervisor restarts a crashed child at once)", async () => {
    for (let i = 0; i < 10; i++) {
      const name = ["restarted", i];
      const dead = idle();
      exit(dead, "kill");
      // The bucket holds the ended process's entry, and this table has not seen it yet.
      await kv.create(nameKey(name), JSON.stringify({ name, pid: pidToWire(dead) }));
      const fresh = idle();
      expect(await Global.register(name, fresh)).toBe(true);
      expect(Global.whereisName(name)).toBe(fresh);
      const entry = await kv.get(nameKey(name));
      expect(JSON.parse(entry!.string()).pid).toEqual(pidToWire(fresh));
      exit(fresh, "kill");
    }
  });

  it("drops entries that are not names, and keeps working", async () => {
    await kv.put("bm90LWEtbmFtZQ", "{not json");
    await kv.put(nameKey("mismatch"), JSON.stringify({ name: "other", pid: ["b@test", 3, 9] }));
    await kv.put(nameKey("bad-pid"), JSON.stringify({ name: "bad-pid", pid: ["b@test", -1, "x"] }));
    await kv.create(nameKey("after-bad"), JSON.stringify({ name: "after-bad", pid: ["b@test", 3, 10] }));
    await until(() => Global.whereisName("after-bad") !== undefined);
    expect(Global.whereisName("mismatch")).toBeUndefined();
    expect(Global.whereisName("other")).toBeUndefined();
    expect(Global.whereisName("bad-pid")).toBeUndefined();
    expect(logs.lines.filter((l) => l.msg === "dropped a global name entry that is not one")).toHaveLength(3);
  });

  it("after a rejoin, this node's names move to its new incarnation", async () => {
    const pid = idle();
    expect(await Global.register("moves", pid)).toBe(true);
    const changes = await watchName("moves");
    joinWire(SELF.node, SELF.incarnation + 1, peer);
    for (const listener of rejoinListeners) listener(SELF.incarnation + 1);
    const moved = await changes.next();
    expect(moved.operation).toBe("PUT");
    expect(moved.json<{ pid: unknown }>().pid).toEqual([SELF.node, SELF.incarnation + 1, pidToWire(pid)[2]]);
    expect(Global.whereisName("moves")).toBe(pid);
    changes.stop();
  });

  it.skipIf(!natsRestartable)("after a broker restart the replica follows the bucket again", async () => {
    const reconnected = nextReconnect(raw);
    await nats.server.restart();
    await reconnected;
    await backOnline(kv);
    const changes = await watchName("after-restart");
    await kv.create(nameKey("after-restart"), JSON.stringify({ name: "after-restart", pid: ["b@test", 3, 11] }));
    expect((await changes.next()).operation).toBe("PUT");
    changes.stop();
    await until(() => Global.whereisName("after-restart") !== undefined, 3000);
    const pid = idle();
    expect(await Global.register("mine-after-restart", pid)).toBe(true);
    expect(await holderInBucket("mine-after-restart")).toEqual(pidToWire(pid));
  });

  it("close releases this node's names in the bucket and keeps them on this node", async () => {
    const pid = idle();
    expect(await Global.register("kept", pid)).toBe(true);
    const changes = await watchName("kept");
    await table.close();
    expect((await changes.next()).operation).toBe("DEL");
    changes.stop();
    expect(Global.whereisName("kept")).toBe(pid);
    expect(Global.whereisName("from-b")).toBeUndefined();
    expect(await Global.register("kept", idle())).toBe(false);
  });

  it("a table that cannot reach the broker refuses claims: register rejects NodeError, registerName's holder exits", async () => {
    const lost = await connect({ servers: nats.url });
    const cut = await startClusterNames({ connection: lost, onRejoin: () => undefined }, { cluster, reconcileMs: 500 });
    await lost.close();
    const pid = idle();
    await expect(cut.register("unreachable", pid)).rejects.toMatchObject({ name: "NodeError", reason: ["name_table_unreachable", "unreachable"] });
    expect(cut.whereisName("unreachable")).toBeUndefined();
    const box = new Inbox();
    const claimed = idle();
    box.run(() => monitor(claimed));
    expect(cut.registerName("undecided", claimed)).toBe(true);
    const downMsg = await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined), 5000);
    expect(downMsg[4]).toEqual(["global_name_conflict", "undecided"]);
    expect(logs.lines.some((l) => l.msg === "global name claim failed: the name table is unreachable")).toBe(true);
    box.close();
    await cut.close();
  });

  // A server of our own without JetStream: not possible on PARLEY_NATS_URL's.
  it.skipIf(!natsRestartable)("Node.start's table rejects NodeError when the broker has no JetStream", async () => {
    const plain = await startNats({ jetstream: false });
    const nc2 = await connect({ servers: plain.url });
    try {
      await expect(startClusterNames({ connection: nc2, onRejoin: () => undefined }, { cluster, reconcileMs: 500 })).rejects.toMatchObject({
        name: "NodeError",
        reason: ["name_table_unreachable", `parley_${cluster}_names`],
      });
      expect(Global.whereisName("kept")).toBeDefined();
    } finally {
      await nc2.close();
      await plain.close();
    }
  });

  // A raw watch of one name's key: the next change to it, or a rejection after `timeoutMs`.
  async function watchName(name: Term): Promise<{ next(timeoutMs?: number): Promise<KvEntry>; stop(): void }> {
    const watch = await kv.watch({ key: nameKey(name), include: "updates" });
    const it = watch[Symbol.asyncIterator]();
    return {
      next: (timeoutMs = 5000) =>
        new Promise<KvEntry>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no change to ${JSON.stringify(name)} within ${timeoutMs} ms`)), timeoutMs);
          it.next().then((r) => {
            clearTimeout(timer);
            if (r.done === true) reject(new Error("watch ended"));
            else resolve(r.value);
          }, reject);
        }),
      stop: () => watch.stop(),
    };
  }

  async function nextReconnect(conn: NatsConnection): Promise<void> {
    for await (const status of conn.status()) if (status.type === "reconnect") return;
  }

  // Resolves once JetStream answers again (it may still be recovering just after a reconnect).
  async function backOnline(bucket: KV): Promise<void> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        await bucket.status();
        return;
      } catch (err) {
        if (performance.now() > deadline) throw err;
      }
    }
  }

  async function holderInBucket(name: Term): Promise<unknown> {
    const e = await kv.get(nameKey(name));
    return e === null || e.operation !== "PUT" ? undefined : e.json<{ pid: unknown }>().pid;
  }
});

// The peers' Homes: other nodes as far as this file needs them. A monitor of a process on a node
// in `down` answers DOWN "noconnection" at once; the others are kept for nodeGoesDown.
const homes = new Map<string, PeerHome>();
const down = new Set<string>();
const monitors: Array<Extract<Signal, readonly ["monitor", ...unknown[]]>> = [];
function peer(node: string, incarnation: number): PeerHome {
  const key = `${node}/${incarnation}`;
  let home = homes.get(key);
  if (home === undefined) {
    const made: PeerHome = {
      node,
      incarnation,
      index: homes.size + 1,
      route: (signal) => {
        if (signal[0] !== "monitor") return;
        if (down.has(node)) downArrived(signal[1], signal[3], signal[2], "noconnection");
        else monitors.push(signal);
      },
    };
    homes.set(key, (home = made));
  }
  return home;
}

function monitorsOf(node: string): typeof monitors {
  return monitors.filter((m) => (m[2] as Pid).home?.node === node);
}

function nodeGoesDown(node: string): void {
  down.add(node);
  for (const [, watcher, pid, ref] of monitorsOf(node)) downArrived(watcher, ref, pid, "noconnection");
}

function idle(): Pid {
  return spawn(() => receive(() => undefined));
}

/** The bucket key of a global name, as the table writes it. */
function nameKey(name: Term): string {
  return keyOfTerm(termKey(name));
}
