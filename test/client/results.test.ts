// Callback results: anything outside a callback's union crashes the client with a BadReturnError
// naming the callback and the value, and the crash report names the callback too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkClientResult, checkDisconnectResult } from "../../src/client/results.ts";
import { BadReturnError, isAlive, Parley, send, StartError, type Pid } from "../../src/index.ts";
import { ClientHarness, useEchoHarness, type Hooks } from "../helpers/client.ts";
import { type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

const BAD = Object.freeze(["okay", "not a result"]);

/** How to make each callback run once the client is up (handleConnect and handleDisconnect run by themselves). */
const triggers: Array<{ callback: string; hooks: Hooks; fire: (pid: Pid) => void }> = [
  { callback: "handleConnect", hooks: { connect: () => BAD as never }, fire: () => undefined },
  { callback: "handleFrame", hooks: { frame: () => BAD as never }, fire: (pid) => Parley.sendFrameAsync(pid, ["text", "x"]) },
  { callback: "handlePing", hooks: { ping: () => BAD as never }, fire: (pid) => Parley.sendFrameAsync(pid, ["text", "ping:x"]) },
  { callback: "handleInfo", hooks: { info: () => BAD as never }, fire: (pid) => send(pid, "x") },
  { callback: "handleCast", hooks: { cast: () => BAD as never }, fire: (pid) => Parley.cast(pid, "x") },
  { callback: "handleCall", hooks: { call: () => BAD as never }, fire: (pid) => void Parley.call(pid, "x").catch(() => undefined) },
  { callback: "handleDisconnect", hooks: { disconnect: () => BAD as never }, fire: (pid) => Parley.sendFrameAsync(pid, ["text", "close:1000:x"]) },
];

describe("callback results", () => {
  for (const { callback, hooks, fire } of triggers) {
    it(`${callback}: a bad result exits with BadReturnError naming ${callback}; the crash report names it`, async () => {
      const pid = await h.start({ url: srv.url }, { hooks });
      if (callback !== "handleConnect") await h.next("connect", pid);
      fire(pid);
      const reason = await h.exitReason(pid);
      expect(reason).toBeInstanceOf(BadReturnError);
      expect(reason).toMatchObject({ callback, value: BAD });
      expect((reason as Error).message).toBe(`bad return value from ${callback}: ["okay", "not a result"]`);
      const [report] = h.logs.errors();
      expect(report).toMatchObject({ callback, reason: `BadReturnError: bad return value from ${callback}: ["okay", "not a result"]` });
      // A crash closes with 1011 when the connection was up.
      if (callback !== "handleDisconnect") expect((await srv.waitFor("close")).code).toBe(1011);
    });
  }

  it("init: a bad result rejects StartError with a BadReturnError naming init", async () => {
    const err = await h.start({ url: srv.url }, { hooks: { init: () => BAD } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as StartError).reason).toMatchObject({ name: "BadReturnError", callback: "init", value: BAD });
  });

  it("a push of a malformed frame is a bad result, not a send", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { info: (s) => ["push", ["text", 42], s] as never } });
    await h.next("connect", pid);
    send(pid, "go");
    expect(await h.exitReason(pid)).toMatchObject({ name: "BadReturnError", callback: "handleInfo" });
  });

  it("[\"reply\", v, s] is only valid from handleCall", async () => {
    const pid = await h.start({ url: srv.url }, { hooks: { cast: (s) => ["reply", 1, s] as never } });
    Parley.cast(pid, "x");
    expect(await h.exitReason(pid)).toMatchObject({ name: "BadReturnError", callback: "handleCast" });
  });

  it("a rejected promise from a callback crashes like a throw", async () => {
    const boom = new Error("async boom");
    const pid = await h.start({ url: srv.url }, { hooks: { cast: () => Promise.reject(boom) } });
    Parley.cast(pid, "x");
    expect(await h.exitReason(pid)).toBe(boom);
  });
});

// --- properties ----------------------------------------------------------------------------

const frame = fc.oneof(
  fc.string().map((s) => ["text", s]),
  fc.uint8Array({ maxLength: 8 }).map((b) => ["binary", b]),
  fc.uint8Array({ maxLength: 130 }).map((b) => ["ping", b]),
  fc.tuple(fc.constantFrom("text", "binary", "pong", "close"), fc.anything()),
);
const closeFrame = fc.oneof(fc.tuple(fc.integer({ min: 990, max: 5010 }), fc.string({ maxLength: 3 })), fc.anything());
const candidate = fc.oneof(
  fc.anything(),
  fc.tuple(fc.constantFrom("ok", "stop", "reply", "disconnect", "reconnect", "push", "noreply"), fc.anything()),
  fc.tuple(fc.constantFrom("push", "stop", "reply", "disconnect", "reconnect"), fc.anything(), fc.anything()),
  fc.tuple(fc.constant("push"), frame, fc.anything()),
  fc.tuple(fc.constant("disconnect"), fc.anything(), fc.anything(), closeFrame),
  fc.tuple(fc.constant("reconnect"), fc.anything(), fc.oneof(fc.constant({ url: "ws://127.0.0.1:1" }), fc.anything())),
);

/** A client whose handleCast returns whatever result the cast carries. */
class Sandbox extends Parley<unknown> {
  override handleCast(msg: unknown) {
    return (msg as { result: unknown }).result as never;
  }
}

/** The contract's ClientResult union, written independently of src/client/results.ts. */
function isClientResult(r: unknown, allowReply: boolean): boolean {
  if (!Array.isArray(r)) return false;
  const okFrame = (f: unknown): boolean => {
    if (!Array.isArray(f) || f.length !== 2) return false;
    if (f[0] === "text") return typeof f[1] === "string";
    if (f[0] === "binary") return f[1] instanceof Uint8Array;
    if (f[0] === "ping" || f[0] === "pong") return f[1] instanceof Uint8Array && f[1].byteLength <= 125;
    return false;
  };
  const okClose = (c: unknown): boolean =>
    Array.isArray(c) && c.length === 2 && Number.isInteger(c[0]) && typeof c[1] === "string" && Buffer.byteLength(c[1]) <= 123 &&
    ((c[0] >= 3000 && c[0] <= 4999) || (c[0] >= 1000 && c[0] <= 1014 && ![1004, 1005, 1006].includes(c[0])));
  switch (r[0]) {
    case "ok":
      return r.length === 2;
    case "push":
      return r.length === 3 && okFrame(r[1]);
    case "disconnect":
      return r.length === 3 || (r.length === 4 && okClose(r[3]));
    case "stop":
      return r.length === 3;
    case "reply":
      return allowReply && r.length === 3;
    default:
      return false;
  }
}

describe("result validation (properties)", () => {
  it("checkClientResult returns a valid result itself, and throws BadReturnError with callback and value otherwise", () => {
    fc.assert(
      fc.property(candidate, fc.boolean(), (r, allowReply) => {
        let out: unknown;
        try {
          out = checkClientResult(r, "handleX", allowReply);
        } catch (err) {
          expect(err).toBeInstanceOf(BadReturnError);
          expect(err).toMatchObject({ callback: "handleX" });
          expect((err as BadReturnError).value).toBe(r);
          expect(isClientResult(r, allowReply)).toBe(false);
          return;
        }
        expect(out).toBe(r);
        expect(isClientResult(r, allowReply)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("checkDisconnectResult accepts exactly handleDisconnect's union", () => {
    const valid = (r: unknown): boolean =>
      Array.isArray(r) &&
      ((r[0] === "ok" && r.length === 2) ||
        (r[0] === "disconnect" && r.length === 2) ||
        (r[0] === "stop" && r.length === 3) ||
        (r[0] === "reconnect" && (r.length === 2 || (r.length === 3 && typeof r[2] === "object" && r[2] !== null))));
    fc.assert(
      fc.property(candidate, (r) => {
        let accepted = true;
        try {
          expect(checkDisconnectResult(r)).toBe(r);
        } catch (err) {
          expect(err).toMatchObject({ name: "BadReturnError", callback: "handleDisconnect", value: r });
          accepted = false;
        }
        expect(accepted).toBe(valid(r));
      }),
      { numRuns: 2000 },
    );
  });

  it("a live client either applies a cast's result or exits with BadReturnError for it", async () => {
    await fc.assert(
      fc.asyncProperty(candidate, async (r) => {
        // Not a Probe: an arbitrary result replaces the state, and a Probe needs its own to report.
        const pid = h.track(await Sandbox.start(undefined, { url: srv.url }));
        await h.monitor(pid);
        Parley.cast(pid, { result: r });
        // A status call is answered after the cast, unless the cast ended the client.
        const status = await Parley.status(pid, 1000).catch((e: unknown) => e);
        if (isClientResult(r, false)) {
          const stopped = Array.isArray(r) && r[0] === "stop";
          if (stopped) expect(await h.exitReason(pid)).toBe((r as unknown[])[1]);
          else expect(status).toMatchObject({ url: srv.url });
        } else {
          const reason = await h.exitReason(pid);
          expect(reason).toBeInstanceOf(BadReturnError);
          expect(reason).toMatchObject({ callback: "handleCast", value: r });
        }
        if (isAlive(pid)) await Parley.stop(pid);
      }),
      { numRuns: 40 },
    );
  });
});
