import { describe, expect, it } from "vitest";
import { AlreadyRegisteredError, NoProcError, OptionsError } from "../../../src/runtime/errors.ts";
import { Global } from "../../../src/runtime/names/global.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import type { ViaModule } from "../../../src/runtime/names/names-types.ts";
import { register, registered, resolveProc, send, unregister, whereis } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { exit, isAlive, self, spawn, spawnMonitor } from "../../../src/runtime/process/spawn.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

useLogCapture();
const { inbox } = useProcesses();

/** A via module backed by a Map, recording the calls it gets. */
function mapVia(): ViaModule & { readonly sent: unknown[] } {
  const names = new Map<string, Pid>();
  const sent: unknown[] = [];
  return {
    sent,
    registerName: (name, pid) => (names.has(JSON.stringify(name)) ? false : (names.set(JSON.stringify(name), pid), true)),
    unregisterName: (name) => void names.delete(JSON.stringify(name)),
    whereisName: (name) => names.get(JSON.stringify(name)),
    send: (name, msg) => {
      sent.push([name, msg]);
      const pid = names.get(JSON.stringify(name));
      if (pid === undefined) throw new NoProcError({ via: ["mapVia", name] });
      send(pid, msg);
    },
  };
}

describe("names", () => {
  describe("send", () => {
    it("delivers to a pid", async () => {
      const box = inbox();
      send(box.pid, ["hi", 1]);
      expect(await box.receive(undefined, WAIT)).toEqual(["hi", 1]);
    });

    it("stores the message as it is, without copying", async () => {
      const box = inbox();
      const msg = { big: [1, 2, 3] };
      send(box.pid, msg);
      expect(await box.receive(undefined, WAIT)).toBe(msg);
    });

    it("never runs the receiver before it returns", async () => {
      const box = inbox();
      let got: unknown;
      const pid = spawn(async () => {
        got = await receive();
        send(box.pid, "done");
      });
      await new Promise((resolve) => setImmediate(resolve));
      send(pid, "x");
      expect(got).toBeUndefined();
      await box.receive(undefined, WAIT);
      expect(got).toBe("x");
    });

    it("keeps per-sender order when several senders interleave", async () => {
      const box = inbox();
      for (const tag of ["a", "b", "c"]) {
        spawn(() => {
          for (let i = 0; i < 50; i++) send(box.pid, [tag, i]);
        });
      }
      const seen: Record<string, number[]> = { a: [], b: [], c: [] };
      for (let i = 0; i < 150; i++) {
        const [tag, n] = (await box.receive(undefined, WAIT)) as [string, number];
        seen[tag]!.push(n);
      }
      for (const list of Object.values(seen)) expect(list).toEqual([...Array(50).keys()]);
    });

    it("drops a message to a dead pid without an error", async () => {
      const box = inbox();
      const [pid] = await box.run(() => spawnMonitor(() => undefined));
      await box.receive(undefined, WAIT);
      expect(() => send(pid, "lost")).not.toThrow();
    });

    it("delivers to a local name", async () => {
      const box = inbox();
      register("names.send.local", box.pid);
      send("names.send.local", "by name");
      expect(await box.receive(undefined, WAIT)).toBe("by name");
    });

    it("delivers to a global and a via name", async () => {
      const box = inbox();
      const via = mapVia();
      expect(Global.registerName(["names", "send"], box.pid)).toBe(true);
      expect(via.registerName("v", box.pid)).toBe(true);
      send({ global: ["names", "send"] }, "global");
      send({ via: [via, "v"] }, "via");
      expect(await box.receive(undefined, WAIT)).toBe("global");
      expect(await box.receive(undefined, WAIT)).toBe("via");
      expect(via.sent).toEqual([["v", "via"]]);
    });

    it("throws NoProcError naming an unknown local name", () => {
      expect(() => send("names.nobody", 1)).toThrow(NoProcError);
      expect(() => send("names.nobody", 1)).toThrow(/^no process is registered under "names\.nobody"$/);
    });

    it("throws NoProcError naming an unknown global name", () => {
      expect(() => send({ global: ["names", "nobody"] }, 1)).toThrow(NoProcError);
      expect(() => send({ global: ["names", "nobody"] }, 1)).toThrow(/^no process is registered under \{global: \["names", "nobody"\]\}$/);
    });

    it("throws OptionsError for a destination of no known form", () => {
      expect(() => send(42 as never, 1)).toThrow(OptionsError);
      expect(() => send(42 as never, 1)).toThrow(
        /^invalid dest: expected a Pid, a non-empty string, \{ global: term \} or \{ via: \[module, term\] \}, got 42$/,
      );
      expect(() => send({ via: [{}, "x"] } as never, 1)).toThrow(OptionsError);
      expect(() => send({ via: [{}, "x"] } as never, 1)).toThrow(/^invalid dest: expected .*, got \{via: \[\{\}, "x"\]\}$/);
    });
  });

  describe("register", () => {
    it("makes the pid reachable by name and lists the name", () => {
      const box = inbox();
      register("names.register.a", box.pid);
      expect(whereis("names.register.a")).toBe(box.pid);
      expect(registered()).toContain("names.register.a");
    });

    it("releases the name when the process exits", async () => {
      const box = inbox();
      const [pid] = await box.run(() =>
        spawnMonitor(async () => {
          register("names.register.release", self());
          send(box.pid, "registered");
          await receive();
        }),
      );
      await box.receive(undefined, WAIT);
      expect(whereis("names.register.release")).toBe(pid);
      exit(pid, "bye");
      expect(whereis("names.register.release")).toBeUndefined();
      expect(registered()).not.toContain("names.register.release");
      register("names.register.release", box.pid);
      expect(whereis("names.register.release")).toBe(box.pid);
    });

    it("throws AlreadyRegisteredError when another process holds the name", () => {
      const a = inbox();
      const b = inbox();
      register("names.register.taken", a.pid);
      expect(() => register("names.register.taken", b.pid)).toThrow(AlreadyRegisteredError);
      expect(() => register("names.register.taken", b.pid)).toThrow(
        new RegExp(`^name "names\\.register\\.taken" is already registered to #PID<0\\.${a.pid.id}\\.0>$`),
      );
      expect(whereis("names.register.taken")).toBe(a.pid);
    });

    it("throws NoProcError for a process that is not alive", async () => {
      const box = inbox();
      const [pid] = await box.run(() => spawnMonitor(() => undefined));
      await box.receive(undefined, WAIT);
      expect(() => register("names.register.dead", pid)).toThrow(NoProcError);
      expect(() => register("names.register.dead", pid)).toThrow(
        new RegExp(`^cannot register a process that is not alive: #PID<0\\.${pid.id}\\.0>$`),
      );
    });

    it("throws OptionsError for an empty or non-string name", () => {
      const box = inbox();
      expect(() => register("", box.pid)).toThrow(OptionsError);
      expect(() => register(7 as never, box.pid)).toThrow(/^invalid name: expected a non-empty string, got 7$/);
    });

    it("throws OptionsError when the process already has a name", () => {
      const box = inbox();
      register("names.register.first", box.pid);
      expect(() => register("names.register.second", box.pid)).toThrow(OptionsError);
      expect(() => register("names.register.second", box.pid)).toThrow(
        new RegExp(`^invalid pid: expected a process without a name \\(it is registered as "names\\.register\\.first"\\), got #PID<0\\.${box.pid.id}\\.0>$`),
      );
    });
  });

  describe("unregister", () => {
    it("releases the name but leaves the process running", () => {
      const box = inbox();
      register("names.unregister.a", box.pid);
      unregister("names.unregister.a");
      expect(whereis("names.unregister.a")).toBeUndefined();
      expect(box.alive).toBe(true);
      register("names.unregister.b", box.pid);
      expect(whereis("names.unregister.b")).toBe(box.pid);
    });

    it("throws NoProcError for a name nobody holds", () => {
      expect(() => unregister("names.unregister.none")).toThrow(NoProcError);
      expect(() => unregister("names.unregister.none")).toThrow(/^no process is registered under "names\.unregister\.none"$/);
    });
  });

  describe("whereis", () => {
    it("returns undefined for an unknown name and a live pid for itself", () => {
      const box = inbox();
      expect(whereis("names.whereis.none")).toBeUndefined();
      expect(whereis(box.pid)).toBe(box.pid);
      expect(whereis({ global: "names.whereis.none" })).toBeUndefined();
    });

    it("returns undefined for a dead pid", () => {
      const box = new Inbox();
      box.close();
      expect(whereis(box.pid)).toBeUndefined();
      expect(isAlive(box.pid)).toBe(false);
    });

    it("throws OptionsError for a destination of no known form", () => {
      expect(() => whereis({ nope: 1 } as never)).toThrow(OptionsError);
      expect(() => whereis({ nope: 1 } as never)).toThrow(/^invalid dest: expected .*, got \{nope: 1\}$/);
    });
  });

  describe("registered", () => {
    it("lists exactly the local names in use", () => {
      const before = registered();
      const box = inbox();
      register("names.registered.x", box.pid);
      expect(registered()).toEqual([...before, "names.registered.x"]);
      box.close();
      expect(registered()).toEqual(before);
    });
  });

  describe("resolveProc", () => {
    it("finds the record behind each destination form", () => {
      const box = inbox();
      register("names.resolve", box.pid);
      Global.registerName("names.resolve", box.pid);
      expect(resolveProc(box.pid)?.pid).toBe(box.pid);
      expect(resolveProc("names.resolve")?.pid).toBe(box.pid);
      expect(resolveProc({ global: "names.resolve" })?.pid).toBe(box.pid);
      expect(resolveProc("names.resolve.none")).toBeUndefined();
    });
  });
});
