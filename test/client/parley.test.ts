// Parley's public surface: start/startLink, names, options, childSpec, status, call and cast.
import { describe, expect, it } from "vitest";
import {
  ExitError,
  exit,
  Global,
  NoProcError,
  OptionsError,
  Parley,
  Registry,
  StartError,
  whereis,
  type ClientStatus,
  type Pid,
} from "../../src/index.ts";
import { ClientHarness, useEchoHarness, Probe, type ProbeState } from "../helpers/client.ts";
import { startServer, startSilentServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

/** A client with nothing overridden: every callback is Parley's default. */
class Bare extends Parley<unknown> {}

describe("Parley", () => {
  describe("start / startLink", () => {
    it("resolves once init returned, before any network I/O, then connects", async () => {
      const pid = await h.start({ url: srv.url });
      // Nothing has reached the server yet: the dial starts after start resolved.
      expect(srv.events).toEqual([]);
      expect((await Parley.status(pid)).state).not.toBe("disconnected");
      await h.next("connect", pid);
      await srv.waitFor("connection");
    });

    it("works as MyClient.start(arg, opts) and as Parley.start(Module, arg, opts)", async () => {
      const a = await Probe.start({ to: h.inbox.pid, hooks: {} } satisfies ProbeState, { url: srv.url });
      const b = await Parley.start(Probe, { to: h.inbox.pid, hooks: {} } satisfies ProbeState, { url: srv.url });
      h.track(a);
      h.track(b);
      await h.next("connect", a);
      await h.next("connect", b);
    });

    it("startLink links to the caller", async () => {
      const linked = await h.start({ url: srv.url }, { link: true });
      await h.next("connect", linked);
      // The client traps exits, so only an untrappable kill tests the link itself.
      exit(linked, "kill");
      expect(await h.exitReason(linked)).toBe("killed");
    });

    it("startLink outside any process behaves as start", async () => {
      const pid = h.track(await Probe.startLink({ to: h.inbox.pid, hooks: {} }, { url: srv.url }));
      await h.next("connect", pid);
    });

    it("passes init's state to the callbacks", async () => {
      const pid = await h.start(
        { url: srv.url },
        {
          extra: { raw: 21 },
          hooks: {
            init: (s) => ["ok", { ...s, doubled: (s["raw"] as number) * 2 }],
            connect: (s) => ["push", ["text", `doubled:${String(s["doubled"])}`], s],
          },
        },
      );
      expect((await h.next("frame", pid))[2]).toEqual(["text", "doubled:42"]);
    });

    it("rejects StartError with init's stop reason, and nothing connects", async () => {
      const err = await h.start({ url: srv.url }, { hooks: { init: () => ["stop", "bad_arg"] } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toBe("bad_arg");
      expect(srv.events).toEqual([]);
    });

    it("rejects StartError when init throws or returns something else", async () => {
      const boom = new Error("init failed");
      const thrown = await h.start({ url: srv.url }, { hooks: { init: () => { throw boom; } } }).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(StartError);
      expect((thrown as StartError).reason).toBe(boom);
      const bad = await h.start({ url: srv.url }, { hooks: { init: () => ["ok"] } }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(StartError);
      expect(String((bad as StartError).reason)).toMatch(/^BadReturnError: bad return value from init: \["ok"\]$/);
    });

    it("uses Parley's defaults for every callback a class leaves out", async () => {
      const pid = h.track(await Bare.start({ any: "state" }, { url: srv.url }));
      await srv.waitFor("connection");
      await Parley.sendFrame(pid, ["text", "echo me"]);
      await srv.waitFor("message");
      Parley.cast(pid, "ignored");
      expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
      // The default handleCall crashes the client with ["bad_call", request], as a GenServer's does (API §8a).
      const err = await Parley.call(pid, "ignored", 5000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toEqual(["bad_call", "ignored"]);
    });

    it("rejects a module that is not a Parley class", async () => {
      const err = await Parley.start(class NotAClient {} as never, {}, { url: srv.url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OptionsError);
      expect((err as Error).message).toMatch(/^invalid module: expected a class that extends Parley, got/);
    });
  });

  describe("options", () => {
    it("rejects bad options with OptionsError before anything is spawned or registered", async () => {
      const cases: unknown[] = [
        { name: "opt-a" },
        { url: "http://127.0.0.1:1", name: "opt-b" },
        { url: srv.url, name: "opt-c", headers: { "x-a": "line\r\nbreak" } },
        { url: srv.url, name: "opt-d", headers: [["x-\nb", "v"]] },
        { url: srv.url, name: "opt-e", reconnect: { baseDelay: -1 } },
        { url: srv.url, name: "opt-f", bogus: 1 },
        { url: srv.url, name: 42 },
      ];
      for (const opts of cases) {
        const err = await Probe.start({ to: h.inbox.pid, hooks: {} }, opts as never).catch((e: unknown) => e);
        expect(err, JSON.stringify(opts)).toBeInstanceOf(OptionsError);
      }
      for (const name of ["opt-a", "opt-b", "opt-c", "opt-d", "opt-e", "opt-f"]) expect(whereis(name)).toBeUndefined();
      expect(srv.events).toEqual([]);
    });

    it("sends the headers given as an object or as pairs", async () => {
      const a = await h.start({ url: srv.url, headers: { "X-Token-Id": "abc" } });
      await h.next("connect", a);
      const b = await h.start({ url: srv.url, headers: [["x-pair", "1"]] });
      await h.next("connect", b);
      const ups = srv.events.filter((e) => e.type === "upgrade");
      expect(ups.map((e) => (e.type === "upgrade" ? [e.headers["x-token-id"], e.headers["x-pair"]] : []))).toEqual([
        ["abc", undefined],
        [undefined, "1"],
      ]);
    });

    it("offers protocols; handleConnect sees the chosen one, and \"\" when none", async () => {
      const picky = h.defer(await startServer({ protocols: ["v2"] }));
      const a = await h.start({ url: picky.url, protocols: ["v1", "v2"] });
      expect((await h.next("connect", a))[2].protocol).toBe("v2");
      const b = await h.start({ url: srv.url });
      expect((await h.next("connect", b))[2].protocol).toBe("");
    });

    it("gives handleConnect the upgrade response headers with lower-case names", async () => {
      srv.server.on("headers", (headers: string[]) => headers.push("X-Custom-Thing: Yes"));
      const pid = await h.start({ url: srv.url });
      const [, , info] = await h.next("connect", pid);
      expect(info.headers["x-custom-thing"]).toBe("Yes");
      expect(info.headers["upgrade"]).toBe("websocket");
      for (const name of Object.keys(info.headers)) expect(name).toBe(name.toLowerCase());
    });
  });

  describe("names", () => {
    it("registers a local name, addressable by every function", async () => {
      const pid = await h.start({ url: srv.url, name: "named-client" });
      await h.next("connect", pid);
      expect(whereis("named-client")).toBe(pid);
      await Parley.sendFrame("named-client", ["text", "by name"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "by name"]);
      expect(await Parley.status("named-client")).toMatchObject({ state: "connected" });
      await Parley.stop("named-client");
      expect(whereis("named-client")).toBeUndefined();
    });

    it("rejects a taken name with StartError [\"already_started\", pid]", async () => {
      const first = await h.start({ url: srv.url, name: "taken-client" });
      const err = await h.start({ url: srv.url, name: "taken-client" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as StartError).reason).toEqual(["already_started", first]);
    });

    it("registers a global name", async () => {
      const name = { global: ["feed", "global-client"] } as const;
      const pid = await h.start({ url: srv.url, name });
      await h.next("connect", pid);
      expect(Global.whereisName(["feed", "global-client"])).toBe(pid);
      await Parley.sendFrame(name, ["text", "global"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "global"]);
    });

    it("registers a via name", async () => {
      const registry = h.track(await Registry.startLink({ keys: "unique", name: "parley-test-reg" }));
      void registry;
      const name = { via: [Registry, ["parley-test-reg", "btc"]] } as const;
      const pid = await h.start({ url: srv.url, name });
      await h.next("connect", pid);
      expect(Registry.lookup("parley-test-reg", "btc")).toEqual([[pid, undefined]]);
      await Parley.sendFrame(name, ["text", "via"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "via"]);
    });
  });

  describe("childSpec", () => {
    it("has the class as id and a start that links the client to the caller", async () => {
      const state: ProbeState = { to: h.inbox.pid, hooks: {} };
      const spec = Probe.childSpec([state, { url: srv.url }]);
      expect(spec.id).toBe(Probe);
      const pid = h.track(await h.inbox.run(() => spec.start()));
      await h.next("connect", pid);
      exit(pid, "kill");
      expect(await h.exitReason(pid)).toBe("killed");
    });

    it("validates the options when the spec is built", () => {
      expect(() => Probe.childSpec([{}, { url: "ftp://x" }])).toThrow(OptionsError);
      expect(() => Probe.childSpec({} as never)).toThrow(OptionsError);
    });
  });

  describe("status", () => {
    it("reports state, url, attempt and queued", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 });
      Parley.sendFrameAsync(pid, ["text", "waiting"]);
      expect(await Parley.status(pid)).toEqual({ state: "connecting", url: silent.url, attempt: 0, queued: 1 } satisfies ClientStatus);
      const up = await h.start({ url: srv.url });
      await h.next("connect", up);
      // API §9: while connected, status also shows both ends of the socket.
      const ends = { peer: { address: "127.0.0.1", port: srv.port, family: "IPv4" }, local: expect.objectContaining({ address: "127.0.0.1" }) };
      expect(await Parley.status(up)).toEqual({ state: "connected", url: srv.url, attempt: 0, queued: 0, ...ends });
      await Parley.disconnect(up);
      expect(await Parley.status(up)).toEqual({ state: "disconnected", url: srv.url, attempt: 0, queued: 0 });
    });

    it("rejects NoProcError for a name nobody holds", async () => {
      await expect(Parley.status("nobody-here")).rejects.toBeInstanceOf(NoProcError);
    });
  });

  describe("call / cast / reply", () => {
    it("call gets handleCall's reply; cast reaches handleCast", async () => {
      const pid = await h.start(
        { url: srv.url },
        { hooks: { call: (s, req) => ["reply", { echoed: req }, s], cast: (s, msg) => ["ok", { ...s, last: msg }] } },
      );
      expect(await Parley.call(pid, ["add", 1])).toEqual({ echoed: ["add", 1] });
      Parley.cast(pid, "hello");
      expect((await h.next("cast", pid))[2]).toBe("hello");
    });

    it("call and cast work in every connection state", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 });
      expect(await Parley.call(pid, "while connecting")).toBe("while connecting");
      await Parley.disconnect(pid);
      expect(await Parley.call(pid, "while disconnected")).toBe("while disconnected");
      Parley.cast(pid, "cast while disconnected");
      await h.next("cast", pid);
    });

    it("a call to a client that exits before replying rejects ExitError", async () => {
      const pid = await h.start({ url: srv.url }, { hooks: { call: (s) => ["stop", "going", s] } });
      const err = await Parley.call(pid, "x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("going");
    });
  });

  describe("stop", () => {
    it("runs terminate with the reason and waits for the exit", async () => {
      const pid: Pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.stop(pid);
      expect((await h.next("terminate", pid))[2]).toBe("normal");
      expect(await h.exitReason(pid)).toBe("normal");
      expect((await srv.waitFor("close")).code).toBe(1000);
    });
  });
});
