// Remote send, monitor, demonitor, link, unlink and exit between this test process (node "t")
// and a node process ("a"), over a real nats-server.
import { afterAll, beforeAll, expect, it } from "vitest";
import { demonitor, exit, Inbox, link, monitor, send, unlink, type Pid } from "../../src/index.ts";
import { Node } from "../../src/dist/node.ts";
import { EncodeError } from "../../src/dist/errors.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses, type NodeProcess } from "../helpers/node-process.ts";
import { FAST, pidOf, synced, tokenOf } from "./support.ts";

describeWithNats("remote signals", () => {
  const nats = useNats();
  useNodeProcesses();
  let a: NodeProcess;
  beforeAll(async () => {
    const cluster = uniqueCluster("sig");
    a = await startNode("a", { url: nats.url, cluster });
    await Node.start("t", { servers: nats.url, cluster, ...FAST });
  }, 20_000);
  afterAll(async () => {
    await Node.stop();
  });

  /** A reporter on a: every message it gets comes back as an event with this tag. */
  async function reporter(tag: string, trap = false): Promise<Pid> {
    return pidOf(await a.request("reporter", [tag, trap]));
  }

  it("sends to a remote Pid and to { name, node }, in order, with what crosses intact", async () => {
    const pid = await reporter("r1");
    const payload = { n: 1n, bytes: new Uint8Array([1, 2, 3]), map: new Map([["k", [1, undefined]]]), when: new Date(5), self: pid };
    send(pid, ["hello", payload]);
    for (let i = 0; i < 500; i++) send(pid, i);
    const got = (await a.next("r1")) as [string, Record<string, unknown>];
    // Bytes come back over the test's IPC channel as a Buffer's JSON; the rest as sent.
    const { bytes, ...rest } = got[1];
    expect(got[0]).toBe("hello");
    expect(rest).toEqual({ n: 1n, map: payload.map, when: payload.when, self: tokenOf(pid) });
    expect([...((bytes as { data?: number[] }).data ?? (bytes as Uint8Array))]).toEqual([1, 2, 3]);
    for (let i = 0; i < 500; i++) expect(await a.next("r1")).toBe(i);

    await a.request("spawnEcho", ["named-echo", "echo-a"]);
    send({ name: "echo-a", node: "a" }, "by name");
    expect(await a.next("named-echo")).toEqual(["info", "by name"]);
    // A name nobody holds there, and a node that is not up: dropped, as in Erlang.
    expect(() => send({ name: "nobody", node: "a" }, 1)).not.toThrow();
    expect(() => send({ name: "x", node: "nowhere" }, 1)).not.toThrow();
  });

  it("a burst over one message's size limit leaves as several messages, still in order", async () => {
    const pid = await reporter("burst");
    // Sent in one turn, these are batched per message size limit (1 MiB): three batches at least.
    const big = "b".repeat(400_000);
    for (let i = 0; i < 6; i++) {
      send(pid, [i, big]);
      send(pid, i);
    }
    for (let i = 0; i < 6; i++) {
      expect(await a.next("burst")).toEqual([i, big]);
      expect(await a.next("burst")).toBe(i);
    }
  });

  it("throws EncodeError naming the path for what cannot cross, and sends nothing", async () => {
    const pid = await reporter("r2");
    const err = (() => {
      try {
        send(pid, { ok: 1, bad: [() => 1] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EncodeError);
    expect(err).toMatchObject({ path: "$.bad[0]" });
    send(pid, "after");
    expect(await a.next("r2")).toBe("after");
  });

  it("monitors a remote process: DOWN with its reason; noproc for a dead one or an unknown name", async () => {
    const box = new Inbox();
    const idle = pidOf(await a.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    exit(idle, "boom");
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", ref, "process", idle, "boom"]);
    const again = await box.run(() => monitor(idle));
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", again, "process", idle, "noproc"]);
    const byName = await box.run(() => monitor({ name: "nobody", node: "a" }));
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", byName, "process", { name: "nobody", node: "a" }, "noproc"]);
    const nowhere = await box.run(() => monitor({ name: "x", node: "nowhere" }));
    expect(await box.receive(undefined, 500)).toEqual(["DOWN", nowhere, "process", { name: "x", node: "nowhere" }, "noconnection"]);
    box.close();
  });

  it("an exit reason that cannot cross arrives printed, so the exit itself is never lost", async () => {
    const box = new Inbox();
    const idle = pidOf(await a.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    exit(idle, { why: Symbol("unencodable") });
    const down = (await box.receive(undefined, 2000)) as unknown[];
    expect(down.slice(0, 4)).toEqual(["DOWN", ref, "process", idle]);
    expect(down[4]).toMatch(/unencodable/);
    box.close();
  });

  it("demonitor takes a remote monitor back: no DOWN", async () => {
    const box = new Inbox();
    const idle = pidOf(await a.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    await box.run(() => demonitor(ref));
    const watch = await box.run(() => monitor(idle));
    exit(idle, "gone");
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", watch, "process", idle, "gone"]);
    expect(box.peek()).toEqual([]);
    box.close();
  });

  it("a message sent before an exit arrives before the DOWN", async () => {
    const box = new Inbox();
    const pid = await reporter("r3");
    const ref = await box.run(() => monitor(pid));
    await synced("a");
    // From a, in this order: a message to us, then the end of the process we watch.
    await a.request("send", [tokenOf(box.pid), "last words"]);
    await a.request("exit", [tokenOf(pid), "kill"]);
    expect(await box.receive(undefined, 2000)).toBe("last words");
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", ref, "process", pid, "killed"]);
    box.close();
  });

  it("links both ways: exit signals cross, trapped as EXIT; unlink stops them", async () => {
    const box = new Inbox({ trapExit: true });
    const idle = pidOf(await a.request("spawnIdle"));
    await box.run(() => link(idle));
    exit(idle, "crash");
    expect(await box.receive(undefined, 2000)).toEqual(["EXIT", idle, "crash"]);

    // A trapping reporter on a links to a local process here; it ends; a hears of it.
    const remote = await reporter("r4", true);
    const local = new Inbox();
    await a.request("inReporter", ["r4", "link", [tokenOf(local.pid)]]);
    // Sent by a after the link, so once it is here the link is too.
    await a.request("send", [tokenOf(local.pid), "linked"]);
    expect(await local.receive(undefined, 2000)).toBe("linked");
    local.close("bye");
    expect(await a.next("r4")).toEqual(["EXIT", tokenOf(local.pid), "bye"]);

    // Unlinked: the remote's end no longer reaches us.
    const idle2 = pidOf(await a.request("spawnIdle"));
    await box.run(() => link(idle2));
    await box.run(() => unlink(idle2));
    const ref = await box.run(() => monitor(idle2));
    exit(idle2, "quiet");
    expect(await box.receive(undefined, 2000)).toEqual(["DOWN", ref, "process", idle2, "quiet"]);
    expect(box.peek()).toEqual([]);
    void remote;
    box.close();
  });

  it("linking a dead remote process exits the linker with noproc", async () => {
    const box = new Inbox({ trapExit: true });
    const idle = pidOf(await a.request("spawnIdle"));
    const ref = await box.run(() => monitor(idle));
    exit(idle, "kill");
    await box.receive((m) => (Array.isArray(m) && m[1] === ref ? m : undefined), 2000);
    await box.run(() => link(idle));
    expect(await box.receive(undefined, 2000)).toEqual(["EXIT", idle, "noproc"]);
    box.close();
  });
});
