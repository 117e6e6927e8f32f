import { describe, expect, it } from "vitest";
import { NoProcError } from "../../../src/runtime/errors.ts";
import { Global } from "../../../src/runtime/names/global.ts";
import { Inbox } from "../../../src/runtime/process/inbox.ts";
import { whereis } from "../../../src/runtime/names/names.ts";
import { useProcesses, WAIT } from "../../helpers/runtime.ts";

const { inbox } = useProcesses();

describe("global", () => {
  describe("Global.registerName", () => {
    it("registers a pid under a term and returns true", () => {
      const box = inbox();
      expect(Global.registerName("global.reg.a", box.pid)).toBe(true);
      expect(Global.whereisName("global.reg.a")).toBe(box.pid);
      expect(Global.registeredNames()).toContainEqual("global.reg.a");
    });

    it("compares structural names by value", () => {
      const box = inbox();
      expect(Global.registerName(["feed", "btc"], box.pid)).toBe(true);
      expect(Global.whereisName(["feed", "btc"])).toBe(box.pid);
      expect(Global.whereisName(["feed", "eth"])).toBeUndefined();
      expect(Global.registerName({ b: 2, a: 1 }, box.pid)).toBe(true);
      expect(Global.whereisName({ a: 1, b: 2 })).toBe(box.pid);
    });

    it("keeps local and global names apart", () => {
      const box = inbox();
      Global.registerName("global.reg.apart", box.pid);
      expect(whereis("global.reg.apart")).toBeUndefined();
      expect(whereis({ global: "global.reg.apart" })).toBe(box.pid);
    });

    it("returns false when the name is taken, leaving the holder", () => {
      const a = inbox();
      const b = inbox();
      expect(Global.registerName(["feed", "taken"], a.pid)).toBe(true);
      expect(Global.registerName(["feed", "taken"], b.pid)).toBe(false);
      expect(Global.whereisName(["feed", "taken"])).toBe(a.pid);
    });

    it("returns false for a pid that is not alive", () => {
      const gone = new Inbox();
      gone.close();
      expect(Global.registerName("global.reg.dead", gone.pid)).toBe(false);
      expect(Global.whereisName("global.reg.dead")).toBeUndefined();
    });

    it("releases the name when the process exits", () => {
      const box = new Inbox();
      Global.registerName(["feed", "release"], box.pid);
      box.close();
      expect(Global.whereisName(["feed", "release"])).toBeUndefined();
      expect(Global.registeredNames()).not.toContainEqual(["feed", "release"]);
    });

    it("lets a process hold several global names", () => {
      const box = new Inbox();
      Global.registerName("global.reg.one", box.pid);
      Global.registerName("global.reg.two", box.pid);
      box.close();
      expect(Global.whereisName("global.reg.one")).toBeUndefined();
      expect(Global.whereisName("global.reg.two")).toBeUndefined();
    });
  });

  describe("Global.register (one node: the same table, answered as a promise)", () => {
    it("resolves true for a free name, false for a taken one or a pid that is not alive", async () => {
      const [a, b] = [inbox(), inbox()];
      expect(await Global.register(["global", "register"], a.pid)).toBe(true);
      expect(Global.whereisName(["global", "register"])).toBe(a.pid);
      expect(await Global.register(["global", "register"], b.pid)).toBe(false);
      b.close();
      expect(await Global.register(["global", "register", "dead"], b.pid)).toBe(false);
    });

    it("registers at once, before the promise settles", () => {
      const box = inbox();
      void Global.register("global.register.sync", box.pid);
      expect(Global.whereisName("global.register.sync")).toBe(box.pid);
    });
  });

  describe("Global.unregisterName", () => {
    it("releases the name; the exit of the former holder then leaves a new holder alone", () => {
      const a = new Inbox();
      const b = inbox();
      Global.registerName("global.unreg", a.pid);
      Global.unregisterName("global.unreg");
      expect(Global.whereisName("global.unreg")).toBeUndefined();
      expect(Global.registerName("global.unreg", b.pid)).toBe(true);
      a.close();
      expect(Global.whereisName("global.unreg")).toBe(b.pid);
    });

    it("does nothing for a name nobody holds", () => {
      expect(() => Global.unregisterName(["global", "none"])).not.toThrow();
    });
  });

  describe("Global.whereisName", () => {
    it("returns undefined for an unknown name", () => {
      expect(Global.whereisName(["global", "unknown"])).toBeUndefined();
    });
  });

  describe("Global.send", () => {
    it("delivers to the holder of a structural name", async () => {
      const box = inbox();
      Global.registerName(["feed", "send"], box.pid);
      Global.send(["feed", "send"], "tick");
      expect(await box.receive(undefined, WAIT)).toBe("tick");
    });

    it("throws NoProcError naming the global name when nobody holds it", () => {
      expect(() => Global.send(["feed", "nobody"], 1)).toThrow(NoProcError);
      expect(() => Global.send(["feed", "nobody"], 1)).toThrow(/^no process is registered under \{global: \["feed", "nobody"\]\}$/);
    });
  });
});
