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

    it("rejects OptionsError for keys other than 'unique'", async () => {
      await expect(Registry.startLink({ keys: "duplicate", name: "x" } as never)).rejects.toThrow(OptionsError);
      await expect(Registry.startLink({ keys: "duplicate", name: "x" } as never)).rejects.toThrow(
        /^invalid keys: expected "unique", got "duplicate"$/,
      );
    });

    it("rejects OptionsError for a missing or empty name", async () => {
      await expect(Registry.startLink({ keys: "unique", name: "" })).rejects.toThrow(/^invalid name: expected a non-empty string, got ""$/);
      await expect(Registry.startLink(null as never)).rejects.toThrow(
        /^invalid options: expected \{ keys: "unique", name: string \}, got null$/,
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
});
