import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NoProcError, OptionsError, StartError } from "../../../src/runtime/errors.ts";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { monitor } from "../../../src/runtime/process/monitors.ts";
import { send, whereis } from "../../../src/runtime/names/names.ts";
import { table } from "../../../src/runtime/process/process.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { Registry } from "../../../src/runtime/names/registry.ts";
import type { Term } from "../../../src/runtime/names/names-types.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { Supervisor } from "../../../src/supervisor/supervisor.ts";
import { exit, isAlive, spawn } from "../../../src/runtime/process/spawn.ts";
import { downMessage, useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox, killAfterTest } = useProcesses();

class Echo extends GenServer<string> {
  override init(tag: string) {
    return ["ok", tag] as const;
  }
  override handleCall(req: unknown, _from: From, tag: string) {
    return ["reply", [tag, req], tag] as const;
  }
}

let seq = 0;

/** Starts a registry under a fresh name (killed after the test). */
async function startRegistry(): Promise<string> {
  const name = `registry.test.${++seq}`;
  killAfterTest(await Registry.startLink({ keys: "unique", name }));
  return name;
}

describe("registry", () => {
  describe("Registry.startLink", () => {
    it("starts a registry process registered under its name", async () => {
      const name = `registry.start.${++seq}`;
      const pid = await Registry.startLink({ keys: "unique", name });
      killAfterTest(pid);
      expect(isAlive(pid)).toBe(true);
      expect(whereis(name)).toBe(pid);
      expect(Registry.lookup(name, "anything")).toEqual([]);
    });

    it("links the registry to the caller", async () => {
      const parent = new Inbox();
      const watcher = inbox();
      const name = `registry.start.${++seq}`;
      const pid = await parent.run(() => Registry.startLink({ keys: "unique", name }));
      const ref = await watcher.run(() => monitor(pid));
      parent.close("boom");
      expect(await downMessage(watcher, ref)).toEqual(["DOWN", ref, "process", pid, "boom"]);
    });

    it("drops its table when it exits", async () => {
      const name = await startRegistry();
      const box = inbox();
      Registry.registerName([name, "k"], box.pid);
      exit(whereis(name)!, "kill");
      expect(() => Registry.lookup(name, "k")).toThrow(NoProcError);
      expect(() => Registry.lookup(name, "k")).toThrow(new RegExp(`^no registry is running under "${name.replace(/\./g, "\\.")}"$`));
      const again = await Registry.startLink({ keys: "unique", name });
      killAfterTest(again);
      expect(Registry.lookup(name, "k")).toEqual([]);
    });

    it("stops on GenServer.stop and Supervisor.stop with the reason given, dropping its table and name", async () => {
      for (const [stop, reason] of [
        [(pid: Pid, why: unknown) => GenServer.stop(pid, why), "normal"],
        [(pid: Pid, why: unknown) => Supervisor.stop(pid, why), "shutdown"],
      ] as const) {
        const name = `registry.stop.${++seq}`;
        const pid = await Registry.startLink({ keys: "unique", name });
        const box = inbox();
        const ref = await box.run(() => monitor(pid));
        Registry.registerName([name, "k"], box.pid);
        await stop(pid, reason);
        expect(await downMessage(box, ref)).toEqual(["DOWN", ref, "process", pid, reason]);
        expect(whereis(name)).toBeUndefined();
        expect(() => Registry.lookup(name, "k")).toThrow(NoProcError);
      }
    });

    it("discards plain messages sent to it", async () => {
      const name = await startRegistry();
      send(name, "junk");
      const box = inbox();
      const ref = await box.run(() => monitor(name));
      expect(box.peek()).toEqual([]);
      expect(ref).toBeDefined();
    });

    it("rejects StartError ['already_started', pid] for a name in use", async () => {
      const name = await startRegistry();
      const holder = whereis(name)!;
      const err = await Registry.startLink({ keys: "unique", name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["already_started", holder]);
      expect((err as StartError).message).toMatch(new RegExp(`^start failed: \\["already_started", #PID<0\\.${holder.id}\\.0>\\]$`));
    });

    it("rejects OptionsError for keys other than 'unique' or 'duplicate'", async () => {
      await expect(Registry.startLink({ keys: "many", name: "x" } as never)).rejects.toThrow(OptionsError);
      await expect(Registry.startLink({ keys: "many", name: "x" } as never)).rejects.toThrow(
        /^invalid keys: expected "unique" or "duplicate", got "many"$/,
      );
    });

    it("rejects OptionsError for partitions that are not a positive integer", async () => {
      await expect(Registry.startLink({ keys: "duplicate", name: "x", partitions: 0 })).rejects.toThrow(
        /^invalid partitions: expected a positive integer, got 0$/,
      );
      expect(() => Registry.childSpec({ keys: "unique", name: "x", partitions: 1.5 })).toThrow(OptionsError);
    });

    it("rejects OptionsError for a missing or empty name", async () => {
      await expect(Registry.startLink({ keys: "unique", name: "" })).rejects.toThrow(/^invalid name: expected a non-empty string, got ""$/);
      await expect(Registry.startLink(null as never)).rejects.toThrow(
        /^invalid options: expected \{ keys: "unique" \| "duplicate", name: string, partitions\?: number \}, got null$/,
      );
    });
  });

  describe("Registry.childSpec", () => {
    it("is a supervisor child whose id is the registry name", async () => {
      const name = `registry.spec.${++seq}`;
      const spec = Registry.childSpec({ keys: "unique", name });
      expect(spec).toEqual({ id: name, start: expect.any(Function), type: "supervisor" });
      const pid = await spec.start();
      killAfterTest(pid);
      expect(whereis(name)).toBe(pid);
    });

    it("throws OptionsError for bad options", () => {
      expect(() => Registry.childSpec({ keys: "unique", name: 3 } as never)).toThrow(OptionsError);
    });
  });

  describe("via names", () => {
    it("names a GenServer: call, lookup and whereis reach it", async () => {
      const reg = await startRegistry();
      const name = { via: [Registry, [reg, "echo"]] } as const;
      const pid = await GenServer.start(Echo, "e1", { name });
      killAfterTest(pid);
      expect(Registry.lookup(reg, "echo")).toEqual([[pid, undefined]]);
      expect(whereis(name)).toBe(pid);
      expect(await GenServer.call(name, "hi")).toEqual(["e1", "hi"]);
    });

    it("compares keys structurally", async () => {
      const reg = await startRegistry();
      const pid = await GenServer.start(Echo, "e", { name: { via: [Registry, [reg, ["feed", { pair: "btc" }]]] } });
      killAfterTest(pid);
      expect(Registry.lookup(reg, ["feed", { pair: "btc" }])).toEqual([[pid, undefined]]);
      expect(Registry.whereisName([reg, ["feed", { pair: "btc" }]])).toBe(pid);
    });

    it("releases the key when the process exits", async () => {
      const reg = await startRegistry();
      const pid = await GenServer.start(Echo, "e", { name: { via: [Registry, [reg, "gone"]] } });
      await GenServer.stop(pid);
      expect(Registry.lookup(reg, "gone")).toEqual([]);
      const again = await GenServer.start(Echo, "e2", { name: { via: [Registry, [reg, "gone"]] } });
      killAfterTest(again);
      expect(Registry.lookup(reg, "gone")).toEqual([[again, undefined]]);
    });

    it("rejects a duplicate start with StartError ['already_started', pid]", async () => {
      const reg = await startRegistry();
      const name = { via: [Registry, [reg, "dup"]] } as const;
      const first = await GenServer.start(Echo, "a", { name });
      killAfterTest(first);
      const err = await GenServer.start(Echo, "b", { name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["already_started", first]);
      expect(Registry.lookup(reg, "dup")).toEqual([[first, undefined]]);
    });

    it("sending to a key nobody holds throws NoProcError naming it", async () => {
      const reg = await startRegistry();
      expect(() => send({ via: [Registry, [reg, "none"]] }, 1)).toThrow(NoProcError);
      expect(() => send({ via: [Registry, [reg, "none"]] }, 1)).toThrow(
        new RegExp(`^no process is registered under \\{via: \\["Registry", \\["${reg.replace(/\./g, "\\.")}", "none"\\]\\]\\}$`),
      );
    });

    it("a name under a registry that is not running fails the start with StartError, leaving no process", async () => {
      const before = table.size;
      const err = (await GenServer.start(Echo, "x", { name: { via: [Registry, ["registry.none", "k"]] } }).catch((e: unknown) => e)) as StartError;
      expect(err).toBeInstanceOf(StartError);
      expect(err.reason).toBeInstanceOf(NoProcError);
      expect(err.cause).toBe(err.reason);
      expect(err.message).toMatch(/^start failed: NoProcError: no registry is running under "registry\.none"$/);
      expect(table.size).toBe(before);
      // The scheduler goes on: nothing half-started is left to run.
      const box = inbox();
      spawn(() => send(box.pid, "still scheduling"));
      expect(await box.receive(undefined, WAIT)).toBe("still scheduling");
    });

    it("a call to a key nobody holds rejects NoProcError", async () => {
      const reg = await startRegistry();
      await expect(GenServer.call({ via: [Registry, [reg, "none"]] }, 1)).rejects.toThrow(NoProcError);
    });
  });

  describe("Registry.registerName", () => {
    it("returns false for a taken key or a dead pid", async () => {
      const reg = await startRegistry();
      const a = inbox();
      const gone = new Inbox();
      gone.close();
      expect(Registry.registerName([reg, "k"], a.pid)).toBe(true);
      expect(Registry.registerName([reg, "k"], inbox().pid)).toBe(false);
      expect(Registry.registerName([reg, "k2"], gone.pid)).toBe(false);
    });

    it("throws OptionsError for a name that is not [registryName, key]", () => {
      const box = inbox();
      expect(() => Registry.registerName("flat", box.pid)).toThrow(OptionsError);
      expect(() => Registry.registerName("flat", box.pid)).toThrow(/^invalid via name: expected \[registryName, key\], got "flat"$/);
    });

    it("throws NoProcError for a registry that is not running", () => {
      const box = inbox();
      expect(() => Registry.registerName(["registry.none", "k"], box.pid)).toThrow(NoProcError);
      expect(() => Registry.registerName(["registry.none", "k"], box.pid)).toThrow(/^no registry is running under "registry\.none"$/);
    });
  });

  describe("Registry.unregisterName", () => {
    it("frees the key for another process", async () => {
      const reg = await startRegistry();
      const a = inbox();
      const b = inbox();
      Registry.registerName([reg, "k"], a.pid);
      Registry.unregisterName([reg, "k"]);
      expect(Registry.whereisName([reg, "k"])).toBeUndefined();
      expect(Registry.registerName([reg, "k"], b.pid)).toBe(true);
      a.close();
      expect(Registry.whereisName([reg, "k"])).toBe(b.pid);
    });
  });

  describe("Registry.register", () => {
    it("registers the calling process with a value", async () => {
      const reg = await startRegistry();
      const box = inbox();
      expect(await box.run(() => Registry.register(reg, "me", { role: "leader" }))).toBe(true);
      expect(await box.run(() => Registry.register(reg, "me", 2))).toBe(false);
      expect(Registry.lookup(reg, "me")).toEqual([[box.pid, { role: "leader" }]]);
      expect(Registry.keys(reg, box.pid)).toEqual(["me"]);
    });

    it("throws OptionsError outside a process", async () => {
      const reg = await startRegistry();
      expect(() => Registry.register(reg, "k")).toThrow(OptionsError);
      expect(() => Registry.register(reg, "k")).toThrow(/^invalid process: expected a call from inside a process, got undefined$/);
    });
  });

  describe("Registry.unregister", () => {
    it("removes the key and ignores a key nobody holds", async () => {
      const reg = await startRegistry();
      const box = inbox();
      await box.run(() => Registry.register(reg, "k"));
      Registry.unregister(reg, "k");
      Registry.unregister(reg, "k");
      expect(Registry.lookup(reg, "k")).toEqual([]);
    });
  });

  describe("Registry.lookup", () => {
    it("throws NoProcError for a registry that is not running", () => {
      expect(() => Registry.lookup("registry.none", "k")).toThrow(/^no registry is running under "registry\.none"$/);
    });
  });

  describe("Registry.keys", () => {
    it("lists every key of a pid", async () => {
      const reg = await startRegistry();
      const pid = spawn(() => receive(() => undefined));
      killAfterTest(pid);
      Registry.registerName([reg, "a"], pid);
      Registry.registerName([reg, ["b", 1]], pid);
      expect(Registry.keys(reg, pid)).toEqual(["a", ["b", 1]]);
    });
  });

  describe("duplicate keys", () => {
    async function startDuplicate(partitions?: number): Promise<string> {
      const name = `registry.dup.${++seq}`;
      killAfterTest(await Registry.startLink({ keys: "duplicate", name, ...(partitions === undefined ? {} : { partitions }) }));
      return name;
    }

    /** A process that registers under each of `keys` (with its value) in `reg`, then waits. */
    async function subscriber(reg: string, keys: ReadonlyArray<readonly [Term, unknown]>): Promise<Pid> {
      const box = inbox();
      const pid = spawn(async () => {
        for (const [key, value] of keys) Registry.register(reg, key, value);
        send(box.pid, "registered");
        await receive(() => undefined);
      });
      killAfterTest(pid);
      await box.receive(undefined, WAIT);
      return pid;
    }

    it("one process may register the same key many times", async () => {
      const reg = await startDuplicate();
      const pid = await subscriber(reg, [["topic", 1], ["topic", 2], ["other", 3]]);
      expect(Registry.lookup(reg, "topic")).toEqual([[pid, 1], [pid, 2]]);
      expect(Registry.keys(reg, pid)).toEqual(["topic", "topic", "other"]);
      expect(Registry.count(reg)).toBe(3);
    });

    it("dispatch calls back with every entry, and not at all when there is none", async () => {
      const reg = await startDuplicate();
      const a = await subscriber(reg, [["prices", "a"]]);
      const b = await subscriber(reg, [["prices", "b"]]);
      const calls: unknown[] = [];
      Registry.dispatch(reg, "prices", (entries) => calls.push(entries));
      Registry.dispatch(reg, "nobody", (entries) => calls.push(entries));
      expect(calls).toEqual([[[a, "a"], [b, "b"]]]);
    });

    it("dispatch passes a throw from fn to the caller, and rejects a fn that is not a function", async () => {
      const reg = await startDuplicate();
      await subscriber(reg, [["k", 1]]);
      expect(() =>
        Registry.dispatch(reg, "k", () => {
          throw new Error("from fn");
        }),
      ).toThrow("from fn");
      expect(() => Registry.dispatch(reg, "k", "f" as never)).toThrow(/^invalid fn: expected a function, got "f"$/);
      expect(() => Registry.dispatch("registry.none", "k", () => undefined)).toThrow(NoProcError);
      expect(Registry.count(reg)).toBe(1);
    });

    it("entries go when their process exits, only theirs", async () => {
      const reg = await startDuplicate();
      const a = await subscriber(reg, [["k", "a"], ["k", "a2"]]);
      const b = await subscriber(reg, [["k", "b"]]);
      exit(a, "kill");
      expect(Registry.lookup(reg, "k")).toEqual([[b, "b"]]);
      expect(Registry.keys(reg, a)).toEqual([]);
      expect(Registry.count(reg)).toBe(1);
    });

    it("unregister removes the caller's entries under the key, and needs a process", async () => {
      const reg = await startDuplicate();
      const other = await subscriber(reg, [["k", "other"]]);
      const box = inbox();
      await box.run(() => {
        Registry.register(reg, "k", 1);
        Registry.register(reg, "k", 2);
        Registry.unregister(reg, "k");
      });
      expect(Registry.lookup(reg, "k")).toEqual([[other, "other"]]);
      expect(() => Registry.unregister(reg, "k")).toThrow(
        /^invalid process: expected a call from inside a process \(duplicate keys are unregistered by their own process\), got undefined$/,
      );
      expect(Registry.lookup(reg, "k")).toEqual([[other, "other"]]);
    });

    it("partitions: dispatch calls back once per partition holding entries, lookup sees them all", async () => {
      const reg = await startDuplicate(4);
      const pids: Pid[] = [];
      for (let i = 0; i < 8; i++) pids.push(await subscriber(reg, [["k", i]]));
      const batches: Array<Array<[Pid, unknown]>> = [];
      Registry.dispatch(reg, "k", (entries) => batches.push(entries));
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.length).toBeLessThanOrEqual(4);
      expect(batches.every((b) => b.length > 0)).toBe(true);
      const sorted = (list: Array<[Pid, unknown]>) => [...list].sort((x, y) => (x[1] as number) - (y[1] as number));
      expect(sorted(batches.flat())).toEqual(pids.map((p, i) => [p, i]));
      expect(sorted(Registry.lookup(reg, "k"))).toEqual(pids.map((p, i) => [p, i]));
      exit(pids[0]!, "kill");
      expect(Registry.count(reg)).toBe(7);
    });

    it("partitions work for unique keys and via names too", async () => {
      const name = `registry.upart.${++seq}`;
      killAfterTest(await Registry.startLink({ keys: "unique", name, partitions: 3 }));
      const pids: Pid[] = [];
      for (const key of ["a", "b", "c", "d"]) {
        const pid = await GenServer.start(Echo, key, { name: { via: [Registry, [name, key]] } });
        killAfterTest(pid);
        pids.push(pid);
      }
      expect(["a", "b", "c", "d"].map((k) => Registry.whereisName([name, k]))).toEqual(pids);
      expect(await GenServer.call({ via: [Registry, [name, "c"]] }, "hi")).toEqual(["c", "hi"]);
    });

    it("a via name on a duplicate registry is an OptionsError", async () => {
      const reg = await startDuplicate();
      const box = inbox();
      const message = new RegExp(`^invalid via name: expected \\[registryName, key\\] of a Registry with unique keys \\("${reg.replace(/\./g, "\\.")}" has duplicate keys\\), got \\["${reg.replace(/\./g, "\\.")}", "k"\\]$`);
      expect(() => Registry.registerName([reg, "k"], box.pid)).toThrow(message);
      expect(() => Registry.whereisName([reg, "k"])).toThrow(OptionsError);
      expect(() => send({ via: [Registry, [reg, "k"]] }, 1)).toThrow(OptionsError);
      await expect(GenServer.call({ via: [Registry, [reg, "k"]] }, 1)).rejects.toThrow(message);
      await expect(GenServer.start(Echo, "x", { name: { via: [Registry, [reg, "k"]] } })).rejects.toThrow(message);
      expect(Registry.count(reg)).toBe(0);
    });

    it("is a local PubSub: several GenServers subscribe, one dispatch reaches them all", async () => {
      const reg = await startDuplicate();
      const box = inbox();
      class Subscriber extends GenServer<string> {
        override init(id: string) {
          Registry.register(reg, "news", id);
          return ["ok", id] as const;
        }
        override handleInfo(msg: unknown, id: string) {
          send(box.pid, [id, msg]);
          return ["noreply", id] as const;
        }
      }
      for (const id of ["s1", "s2", "s3"]) killAfterTest(await Subscriber.start(id));
      Registry.dispatch(reg, "news", (entries) => {
        for (const [pid] of entries) send(pid, "extra!");
      });
      const got = [await box.receive(undefined, WAIT), await box.receive(undefined, WAIT), await box.receive(undefined, WAIT)];
      expect(got).toEqual([["s1", "extra!"], ["s2", "extra!"], ["s3", "extra!"]]);
    });

    it("is a supervisor child through childSpec", async () => {
      const name = `registry.dup.spec.${++seq}`;
      const sup = await Supervisor.startLink([Registry.childSpec({ keys: "duplicate", name, partitions: 2 })], { strategy: "one_for_one" });
      killAfterTest(sup);
      await subscriber(name, [["k", 1]]);
      expect(Registry.count(name)).toBe(1);
    });

    it("matches a model under any registrations and exits (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", "b", "c")), { maxLength: 20 }),
          fc.subarray([0, 1, 2, 3]),
          async (partitions, registrations, exiting) => {
            const reg = await startDuplicate(partitions);
            const procs = Array.from({ length: 4 }, () => new Inbox());
            for (const [i, key] of registrations) await procs[i]!.run(() => Registry.register(reg, key, i));
            for (const i of exiting) procs[i]!.close("bye");
            const live = registrations.filter(([i]) => !exiting.includes(i));
            for (const key of ["a", "b", "c"]) {
              const expected = live.filter(([, k]) => k === key).map(([i]) => i).sort();
              expect(Registry.lookup(reg, key).map(([, v]) => v as number).sort()).toEqual(expected);
            }
            expect(Registry.count(reg)).toBe(live.length);
            for (const p of procs) p.close();
            exit(whereis(reg)!, "kill");
          },
        ),
        { numRuns: 50 },
      );
    });
  });
});
