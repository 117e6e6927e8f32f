// Issue 10, defect 1 and the properties that keep it fixed: a value that fights back (a throwing
// getter, a Proxy whose traps throw, a revoked Proxy, a Proxy that answers a few reads and then
// throws) given as a frame, an option, a name, a destination, a From or a callback result gets a
// typed error naming it, and the client, the caller and their peers stay alive.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Agent,
  BadReturnError,
  ExitError,
  GenServer,
  GenStatem,
  InvalidFrameError,
  NoProcError,
  OptionsError,
  Parley,
  StartError,
  sys,
  send,
  whereis,
  type Frame,
  type Pid,
} from "../../src/index.ts";
import { reply } from "../../src/runtime/behaviours/gen-call.ts";
import { validateOptions } from "../../src/client/options.ts";
import type { FrameDroppedMessage } from "../../src/client/telemetry.ts";
import { ClientHarness } from "../helpers/client.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";
import { Booby, flaky, getterAt, hostileAround, revoked } from "./hostile.ts";

let h: ClientHarness;
let srv: TestServer;
beforeEach(async () => {
  h = new ClientHarness();
  srv = h.defer(await startServer());
});
afterEach(() => h.cleanup());

/** A connected client and a connected peer. */
async function pair(): Promise<[Pid, Pid]> {
  const pid = await h.start({ url: srv.url });
  const peer = await h.start({ url: srv.url });
  await h.next("connect", pid);
  await h.next("connect", peer);
  return [pid, peer];
}

async function expectConnected(...pids: Pid[]): Promise<void> {
  for (const pid of pids) expect((await Parley.status(pid)).state).toBe("connected");
}

const VALID_FRAMES: readonly Frame[] = [["text", "hi"], ["binary", Buffer.from("bytes")], ["ping", Buffer.from("p")]];
const hostileFrame = fc.constantFrom(...VALID_FRAMES).chain((frame) => hostileAround(frame as unknown as object));

describe("hostile frames (defect 1)", () => {
  it("sendFrameAsync of an array with a throwing getter or a revoked Proxy reports invalid_frame and leaves the client alone", async () => {
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const [pid, peer] = await pair();
    Parley.sendFrameAsync(pid, getterAt(1)(["text", "x"]) as Frame);
    Parley.sendFrameAsync(pid, revoked([]) as Frame);
    Parley.sendFrameAsync(pid, flaky(3)(["text", "checked once"]) as Frame);
    await expectConnected(pid, peer);
    expect(dropped.filter((m) => m.pid === pid).map((m) => [m.why, m.type])).toEqual([
      ["invalid_frame", "text"],
      ["invalid_frame", "invalid"],
    ]);
    // The flaky Proxy was read once, on the caller's side: the client wrote that copy.
    expect((await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "checked once")).type).toBe("message");
    expect(h.logs.errors()).toEqual([]);
  });

  it("sendFrame of the same values rejects InvalidFrameError naming the value and the reading that threw", async () => {
    const [pid] = await pair();
    const err = await Parley.sendFrame(pid, getterAt(1)(["text", "x"]) as Frame).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect((err as Error).message).toMatch(/^invalid frame .*: reading it threw Booby: hostile read$/);
    await expect(Parley.sendFrame(pid, revoked([]) as Frame)).rejects.toThrow(/^invalid frame <unprintable>: reading it threw TypeError/);
    await expectConnected(pid);
  });

  it("a Uint8Array with its own throwing byteLength is sent by its real bytes", async () => {
    const [pid] = await pair();
    const bytes = Buffer.from("real");
    Object.defineProperty(bytes, "byteLength", { get: () => { throw new Booby("byteLength"); } });
    expect(() => bytes.byteLength).toThrow(Booby);
    Object.defineProperty(bytes, "length", { get: () => { throw new Booby("length"); } });
    await Parley.sendFrame(pid, ["binary", bytes]);
    const got = await srv.waitFor("message", (e) => e.frame.kind === "binary");
    expect(got.frame.data.toString()).toBe("real");
    await expectConnected(pid);
  });

  it("property: sendFrame writes or rejects InvalidFrameError, sendFrameAsync never throws; client and peer stay connected", async () => {
    const [pid, peer] = await pair();
    await fc.assert(
      fc.asyncProperty(hostileFrame, async (make) => {
        expect(() => Parley.sendFrameAsync(pid, make() as Frame)).not.toThrow();
        const err = await Parley.sendFrame(pid, make() as Frame).then(() => undefined, (e: unknown) => e);
        if (err !== undefined) expect(err).toBeInstanceOf(InvalidFrameError);
        await expectConnected(pid, peer);
      }),
      { numRuns: 150 },
    );
    expect(h.logs.errors()).toEqual([]);
  });
});

const FULL_OPTIONS = {
  url: "ws://127.0.0.1:1",
  name: { global: ["hostile", 1] },
  headers: { "x-trace": "1" },
  protocols: ["p1"],
  reconnect: { baseDelay: 10, maxDelay: 20 },
  heartbeat: { interval: 1000, timeout: 500 },
  perMessageDeflate: { threshold: 10 },
  transportOpts: { family: 4 },
};

const OPTION_NAMES = /^(options|url|name|headers|connectTimeout|transportOpts|protocols|reconnect|heartbeat|closeTimeout|maxQueue|maxPayload|perMessageDeflate)\b/;

describe("hostile options, names, destinations and Froms", () => {
  it("property: options with a hostile part are an OptionsError naming an option, or valid", () => {
    fc.assert(
      fc.property(hostileAround(FULL_OPTIONS), (make) => {
        try {
          validateOptions(make());
        } catch (err) {
          expect(err).toBeInstanceOf(OptionsError);
          expect((err as OptionsError).option).toMatch(OPTION_NAMES);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("Parley.start with hostile options rejects OptionsError and spawns nothing", async () => {
    const before = h.telemetry("parley:connect:start");
    for (const opts of [revoked({}), getterAt("url")({ url: srv.url }), { url: srv.url, reconnect: revoked({}) }]) {
      await expect(Parley.start(class extends Parley {}, undefined, opts as never)).rejects.toBeInstanceOf(OptionsError);
    }
    expect(before).toEqual([]);
  });

  it("property: a hostile name, destination or From is an OptionsError (or names nobody); callers and peers stay alive", async () => {
    class Named extends GenServer<undefined> {
      override init() {
        return ["ok", undefined] as const;
      }
    }
    const [pid, peer] = await pair();
    const names = fc.oneof(hostileAround({ global: ["n", { k: 1 }] }), hostileAround({ via: [{ registerName: () => true }, "k"] }));
    await fc.assert(
      fc.asyncProperty(names, async (make) => {
        const name = make();
        const started = await Named.start(undefined, { name: name as never }).then((p) => p, (e: unknown) => e);
        // A name that fails its check is an OptionsError; one that passes it and throws while it is
        // registered fails the start (StartError, reason the OptionsError); one that works names a
        // server, stopped at once so the name names nobody again.
        if (started instanceof StartError) expect(started.reason).toBeInstanceOf(OptionsError);
        else if (started instanceof Error) expect(started).toBeInstanceOf(OptionsError);
        else await GenServer.stop(started as Pid);
        for (const attempt of [() => send(make() as never, "x"), () => whereis(make() as never), () => reply(make() as never, 1)]) {
          try {
            attempt();
          } catch (err) {
            expect([OptionsError, NoProcError].some((c) => err instanceof c), String(err)).toBe(true);
          }
        }
        const called = await Parley.sendFrame(make() as never, ["text", "x"]).catch((e: unknown) => e);
        expect([OptionsError, NoProcError].some((c) => called instanceof c), String(called)).toBe(true);
        expect(() => Parley.sendFrameAsync(make() as never, ["text", "x"])).not.toThrow();
      }),
      { numRuns: 120 },
    );
    await expectConnected(pid, peer);
  });
});

/** Returns each cast as its result: whatever the test casts is what the client must apply. */
class Echo extends Parley<undefined> {
  override handleCast(msg: unknown) {
    return msg as never;
  }
}

describe("hostile callback results", () => {
  const results = fc.oneof(
    hostileAround(["ok", { n: 1 }]),
    hostileAround(["push", ["text", "x"], { n: 1 }]),
    hostileAround(["disconnect", "why", { n: 1 }, [4000, "bye"]]),
  );

  it("property: a hostile result stops the client with BadReturnError naming the callback and the value, or is applied; the peer stays connected", async () => {
    const peer = await h.start({ url: srv.url });
    await h.next("connect", peer);
    await fc.assert(
      fc.asyncProperty(results, async (make) => {
        const pid = h.track(await Echo.start(undefined, { url: srv.url }));
        await h.monitor(pid);
        const r = make();
        Parley.cast(pid, r);
        const status = await Parley.status(pid, 1000).catch((e: unknown) => e);
        if (status instanceof Error) {
          const reason = await h.exitReason(pid);
          expect(reason).toBeInstanceOf(BadReturnError);
          // By identity: a deep comparison would itself trip over the hostile value.
          expect((reason as BadReturnError).callback).toBe("handleCast");
          expect((reason as BadReturnError).value).toBe(r);
        } else {
          await Parley.stop(pid);
          await h.exitReason(pid);
        }
        await expectConnected(peer);
      }),
      { numRuns: 40 },
    );
    for (const report of h.logs.errors()) expect(String(report["reason"])).toMatch(/^BadReturnError: bad return value from handleCast/);
  });

  it("a result that answers the check and throws afterwards is still a BadReturnError", async () => {
    for (const reads of [2, 3, 4, 5, 6, 7, 8]) {
      const pid = h.track(await Echo.start(undefined, { url: srv.url }));
      await h.monitor(pid);
      Parley.cast(pid, flaky(reads)(["ok", undefined]));
      const status = await Parley.status(pid, 1000).catch((e: unknown) => e);
      if (status instanceof Error) expect(await h.exitReason(pid)).toBeInstanceOf(BadReturnError);
      else await Parley.stop(pid);
    }
    expect(h.logs.errors().map((l) => String(l["reason"])).filter((r) => r.includes("Booby"))).toEqual([]);
  });
});

/** Answers each call with whatever the request's maker makes: the server must apply it or crash typed. */
class Echoing extends GenServer<undefined> {
  override init() {
    return ["ok", undefined] as const;
  }
  override handleCall(make: unknown) {
    return (make as () => unknown)() as never;
  }
}

/** Returns whatever a cast's maker makes as its handleEvent result. */
class EchoingStatem extends GenStatem<string, undefined> {
  override init() {
    return ["ok", "s", undefined] as const;
  }
  override handleEvent(type: unknown, content: unknown) {
    if (type === "cast") return (content as () => unknown)() as never;
    return ["keep_state_and_data"] as const;
  }
}

describe("hostile results of GenServer and GenStatem callbacks", () => {
  const results = fc.oneof(
    hostileAround(["reply", 1, { n: 1 }]),
    hostileAround(["stop", "why", 1, { n: 1 }]),
    hostileAround(["next_state", "t", { n: 1 }, [["state_timeout", 60_000, "late"]]]),
    hostileAround(["keep_state_and_data"]),
  );

  it("property: a hostile result is applied or crashes the process with BadReturnError naming the callback and the value; a peer lives on", async () => {
    const peer = h.track(await Echoing.start(undefined));
    await fc.assert(
      fc.asyncProperty(results, async (make) => {
        let made: unknown;
        const once = (): unknown => (made = make());
        const server = h.track(await Echoing.start(undefined));
        await h.monitor(server);
        // Every result here answers the call, when it is applied at all.
        await GenServer.call(server, once, 1000).catch(() => undefined);
        // Not sys.getState: resolving a promise with a hostile state would trip the caller.
        const serving = await GenServer.call(server, () => ["reply", "alive", undefined], 1000).then(() => true, () => false);
        // A stop result that passed its check ends the server normally ("why"); only the maker's
        // label is read here, never the hostile value itself.
        if (!serving && !String(make).includes('"stop"')) {
          const reason = await h.exitReason(server);
          expect(reason instanceof BadReturnError, String(reason)).toBe(true);
          expect((reason as BadReturnError).callback).toBe("handleCall");
          expect((reason as BadReturnError).value).toBe(made);
        }
        const machine = h.track(await EchoingStatem.start(undefined));
        await h.monitor(machine);
        GenStatem.cast(machine, () => (made = make()));
        const alive = await sys.getState(machine, 1000).then(() => true, () => false);
        if (!alive) {
          const reason = await h.exitReason(machine);
          expect(reason instanceof BadReturnError, String(reason)).toBe(true);
          expect((reason as BadReturnError).callback).toBe("handleEvent");
          expect((reason as BadReturnError).value).toBe(made);
        }
        expect(await GenServer.call(peer, () => ["reply", "pong", undefined])).toBe("pong");
      }),
      { numRuns: 60 },
    );
    // Crash reports: the BadReturnErrors, and the servers that stopped with "why" as asked.
    for (const report of h.logs.errors()) expect(String(report["reason"])).toMatch(/^(BadReturnError: bad return value from (handleCall|handleEvent)|"why")/);
  });
});

describe("hostile pairs from Agent.getAndUpdate", () => {
  it("a pair that fights back crashes the agent with BadReturnError naming Agent.getAndUpdate; the caller gets an ExitError", async () => {
    for (const hostile of [revoked([]), getterAt(1)([1, 2]), flaky(1)([1, 2])]) {
      const agent = h.track(await Agent.start(() => 0));
      await h.monitor(agent);
      const err = await Agent.getAndUpdate(agent, () => hostile as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      const reason = await h.exitReason(agent);
      expect(reason instanceof BadReturnError, String(reason)).toBe(true);
      expect((reason as BadReturnError).callback).toBe("Agent.getAndUpdate");
    }
  });
});
