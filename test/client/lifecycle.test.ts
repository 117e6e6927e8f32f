// The client's lifecycle: states, handleConnect/handleDisconnect, the decision after a disconnect,
// reconnection and backoff, exits at start-up, Parley.connect, and every way a client stops.
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  exit,
  Inbox,
  isAlive,
  Parley,
  receive,
  send,
  spawnLink,
  type Pid,
  type ReconnectScheduledMessage,
} from "../../src/index.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { ClientHarness, useEchoHarness, upgrades, Probe, quiet, type ProbeState } from "../helpers/client.ts";
import { listenLoopback, startRefusingPort, startServer, startSilentServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

/** Starts a Probe linked to a fresh parent Inbox (which does not trap exits); the probe reports to `h`. */
async function startUnderParent(options: Parameters<ClientHarness["start"]>[0]): Promise<{ pid: Pid; parent: Inbox }> {
  const parent = new Inbox();
  h.defer({ close: () => parent.close() });
  const state: ProbeState = { to: h.inbox.pid, hooks: {} };
  const pid = h.track(await parent.run(() => Probe.startLink(state, options)));
  await h.monitor(pid);
  return { pid, parent };
}

describe("client lifecycle", () => {
  describe("states", () => {
    it("goes connecting → connected → closing → disconnected", async () => {
      const mute = h.defer(await startServer({ closeReply: false, upgradeDelay: 200 }));
      const pid = await h.start({ url: mute.url });
      expect((await Parley.status(pid)).state).toBe("connecting");
      await h.next("connect", pid);
      expect((await Parley.status(pid)).state).toBe("connected");
      const done = Parley.disconnect(pid);
      expect((await Parley.status(pid)).state).toBe("closing");
      await mute.close(); // ends the socket whose close frame the server ignores
      await done;
      expect((await Parley.status(pid)).state).toBe("disconnected");
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
    });
  });

  describe("handleConnect", () => {
    it("runs on every successful upgrade, after the attempt count is reset", async () => {
      const scheduled = h.telemetry<ReconnectScheduledMessage>("parley:reconnect:scheduled");
      await srv.close();
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 10, maxDelay: 20 } });
      expect((await h.next("disconnect", pid))[3]).toBe(0);
      expect((await h.next("disconnect", pid))[3]).toBe(1);
      await srv.restart();
      await h.next("connect", pid);
      expect((await Parley.status(pid)).attempt).toBe(0);
      expect(scheduled.filter((m) => m.pid === pid).length).toBeGreaterThanOrEqual(2);
      // A lost connection is attempt 0 again, whatever the retries before it.
      await Parley.sendFrame(pid, ["text", "close:1000:again"]);
      const [, , reason, attempt] = await h.next("disconnect", pid);
      expect(reason).toEqual(["remote_close", 1000, "again"]);
      expect(attempt).toBe(0);
      await h.next("connect", pid);
    });

    it("reconnects after the server restarts on the same port", async () => {
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 10, maxDelay: 50 } });
      await h.next("connect", pid);
      await srv.restart();
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", expect.any(Error)]);
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "after restart"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "after restart"]);
    });
  });

  describe("backoff", () => {
    it("waits d = min(base * 2^n, max) with equal jitter before retry n + 1, and counts retries from 1", async () => {
      // Stamped as they are published (synchronously, in the client): when each retry was armed
      // and when each dial began.
      const armedAt: number[] = [];
      const startedAt: number[] = [];
      const scheduled = h.telemetry<ReconnectScheduledMessage>("parley:reconnect:scheduled", () => armedAt.push(performance.now()));
      const starts = h.telemetry<{ pid: Pid; attempt: number }>("parley:connect:start", () => startedAt.push(performance.now()));
      const { url } = await startRefusingPort();
      const base = 8;
      const max = 40;
      const pid = await h.start({ url, reconnect: { baseDelay: base, maxDelay: max, maxRetries: 5 } });
      for (let attempt = 0; attempt <= 5; attempt++) {
        const [, , reason, seen] = await h.next("disconnect", pid);
        expect(seen).toBe(attempt);
        expect(reason).toMatchObject(["error", { code: "ECONNREFUSED" }]);
      }
      expect(await h.exitReason(pid)).toEqual(["error", "max_retries_exceeded"]);
      const mine = scheduled.filter((m) => m.pid === pid);
      expect(mine.map((m) => m.attempt)).toEqual([1, 2, 3, 4, 5]);
      mine.forEach((m, n) => {
        const d = Math.min(base * 2 ** n, max);
        const half = Math.max(Math.floor(d / 2), 1);
        expect(m.delayMs).toBeGreaterThanOrEqual(half + 1);
        expect(m.delayMs).toBeLessThanOrEqual(2 * half);
      });
      expect(starts.filter((m) => m.pid === pid).map((m) => m.attempt)).toEqual([0, 1, 2, 3, 4, 5]);
      // Each retry's dial began no earlier than its delay after it was armed (1 ms for clock rounding).
      for (let n = 0; n < mine.length; n++) {
        expect(startedAt[n + 1]! - armedAt[n]!).toBeGreaterThanOrEqual(mine[n]!.delayMs - 1);
      }
    });

    it("exits with [\"error\", \"max_retries_exceeded\"] after the failure whose attempt is maxRetries", async () => {
      const exhausted = h.telemetry<{ pid: Pid; attempt: number }>("parley:reconnect:exhausted");
      const { url } = await startRefusingPort();
      const pid = await h.start({ url, reconnect: { baseDelay: 5, maxRetries: 2 } });
      const attempts: number[] = [];
      for (let i = 0; i < 3; i++) attempts.push((await h.next("disconnect", pid))[3]);
      expect(attempts).toEqual([0, 1, 2]);
      expect(await h.exitReason(pid)).toEqual(["error", "max_retries_exceeded"]);
      expect(exhausted.filter((m) => m.pid === pid).map((m) => m.attempt)).toEqual([2]);
      expect(h.pending("disconnect", pid)).toEqual([]);
      expect((await h.next("terminate", pid))[2]).toEqual(["error", "max_retries_exceeded"]);
    });

    it("maxRetries 0 ends at the first failure", async () => {
      const { url } = await startRefusingPort();
      const pid = await h.start({ url, reconnect: { baseDelay: 5, maxRetries: 0 } });
      expect((await h.next("disconnect", pid))[3]).toBe(0);
      expect(await h.exitReason(pid)).toEqual(["error", "max_retries_exceeded"]);
    });
  });

  describe("start-up failures", () => {
    it("exits with [\"error\", err] after handleDisconnect when the first dial is refused", async () => {
      const { url } = await startRefusingPort();
      const pid = await h.start({ url });
      const [, , reason, attempt] = await h.next("disconnect", pid);
      expect(attempt).toBe(0);
      expect(reason).toMatchObject(["error", { code: "ECONNREFUSED" }]);
      const exitReason = await h.exitReason(pid);
      expect(exitReason).toEqual(["error", (reason as [string, Error])[1]]);
      expect((exitReason as [string, Error])[1]).toBe((reason as [string, Error])[1]);
    });

    it("exits with [\"error\", \"connect_timeout\"] when the first dial times out before any response", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 50 });
      expect((await h.next("disconnect", pid))[2]).toBe("connect_timeout");
      expect(await h.exitReason(pid)).toEqual(["error", "connect_timeout"]);
    });

    it("exits even when handleDisconnect says [\"disconnect\", s]: nothing would ever reconnect it", async () => {
      const { url } = await startRefusingPort();
      const pid = await h.start({ url }, { hooks: { disconnect: (s) => ["disconnect", s] } });
      await h.next("disconnect", pid);
      expect(await h.exitReason(pid)).toMatchObject(["error", { code: "ECONNREFUSED" }]);
    });

    it("stays alive when the first dial fails but reconnection applies", async () => {
      const { url } = await startRefusingPort();
      const pid = await h.start({ url }, { hooks: { disconnect: (s, _r, attempt) => (attempt === 0 ? ["reconnect", s, { url: srv.url }] : ["ok", s]) } });
      expect((await h.next("disconnect", pid))[3]).toBe(0);
      // Without the option, ["reconnect", s] uses the default backoff: about a second at most.
      await h.next("connect", pid);
      expect((await Parley.status(pid)).url).toBe(srv.url);
    });

    it("a socket closed before any response byte counts as unreachable: exit with [\"error\", err]", async () => {
      const hangUp = net.createServer((socket) => socket.destroy());
      const port = await listenLoopback(hangUp, 0);
      h.defer({ close: () => new Promise<void>((resolve) => hangUp.close(() => resolve())) });
      const pid = await h.start({ url: `ws://127.0.0.1:${port}` });
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", expect.any(Error)]);
      expect(await h.exitReason(pid)).toEqual(reason);
    });

    it("a server that answered, even wrongly, leaves the client alive: a bad Sec-WebSocket-Accept", async () => {
      const liar = http.createServer();
      liar.on("upgrade", (_req: http.IncomingMessage, socket: Duplex) => {
        socket.on("error", () => undefined);
        socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n");
      });
      const port = await listenLoopback(liar, 0);
      h.defer({ close: () => new Promise<void>((resolve) => { liar.closeAllConnections(); liar.close(() => resolve()); }) });
      const pid = await h.start({ url: `ws://127.0.0.1:${port}` });
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", { message: "Invalid Sec-WebSocket-Accept header" }]);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("later failures leave the client alive in disconnected, and Parley.connect retries", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await srv.close();
      await h.next("disconnect", pid);
      await Parley.connect(pid);
      const [, , reason, attempt] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", { code: "ECONNREFUSED" }]);
      expect(attempt).toBe(0);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
      expect(isAlive(pid)).toBe(true);
      await srv.restart();
      await Parley.connect(pid);
      await h.next("connect", pid);
    });
  });

  describe("Parley.connect", () => {
    it("from disconnected: cancels the pending retry and dials now with attempt 0", async () => {
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 60_000, maxDelay: 60_000 } });
      await h.next("connect", pid);
      await srv.close();
      await h.next("disconnect", pid);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected", attempt: 1 });
      await Parley.connect(pid);
      expect((await h.next("disconnect", pid))[3]).toBe(0);
      await srv.restart();
      await Parley.connect(pid);
      await h.next("connect", pid);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected", attempt: 0 });
    });

    it("while connected or connecting resolves at once and changes nothing", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.connect(pid);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
      const silent = h.defer(await startSilentServer());
      const waiting = await h.start({ url: silent.url, connectTimeout: 60_000 });
      await Parley.connect(waiting);
      expect(await Parley.status(waiting)).toMatchObject({ state: "connecting", attempt: 0 });
      await Parley.sendFrame(pid, ["text", "still one"]);
      await h.next("frame", pid);
      expect(upgrades(srv)).toBe(1);
      expect(silent.accepted).toBe(1);
    });
  });

  describe("handleDisconnect's decision", () => {
    it("[\"ok\", s] without the reconnect option stays down, with the server up", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      await quiet(100);
      expect(upgrades(srv)).toBe(1);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("[\"ok\", s] with the reconnect option reconnects", async () => {
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 10 } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      await h.next("connect", pid);
      expect(upgrades(srv)).toBe(2);
    });

    it("[\"disconnect\", s] stays down even with the option, with the server up", async () => {
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 5 } }, { hooks: { disconnect: (s) => ["disconnect", s] } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      await quiet(100);
      expect(upgrades(srv)).toBe(1);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("[\"reconnect\", s, overrides] retries with new headers", async () => {
      const pid = await h.start(
        { url: srv.url, headers: { "x-gen": "1" }, reconnect: { baseDelay: 5 } },
        { hooks: { disconnect: (s) => ["reconnect", s, { headers: { "x-gen": "2" } }] } },
      );
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      await h.next("connect", pid);
      const seen = srv.events.flatMap((e) => (e.type === "upgrade" ? [e.headers["x-gen"]] : []));
      expect(seen).toEqual(["1", "2"]);
    });

    it("[\"reconnect\", s, overrides] may change the protocols offered", async () => {
      const picky = h.defer(await startServer({ protocols: ["v1", "v2"] }));
      const pid = await h.start(
        { url: picky.url, protocols: ["v1"], reconnect: { baseDelay: 5 } },
        { hooks: { disconnect: (s) => ["reconnect", s, { protocols: ["v2"] }] } },
      );
      expect((await h.next("connect", pid))[2].protocol).toBe("v1");
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      expect((await h.next("connect", pid))[2].protocol).toBe("v2");
    });

    it("a [\"disconnect\", r, s] result is not a local disconnect(): [\"ok\", s] then follows the reconnect option", async () => {
      const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 5 } }, { hooks: { frame: (s) => ["disconnect", "server_said_bye", s] } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "bye"]);
      expect((await h.next("disconnect", pid))[2]).toBe("server_said_bye");
      await h.next("connect", pid);
    });

    it("a local disconnect() reconnects only when handleDisconnect returns [\"reconnect\", s]", async () => {
      const pid = await h.start(
        { url: srv.url, reconnect: { baseDelay: 5 } },
        { hooks: { disconnect: (s, reason) => (reason === "closed" ? ["reconnect", s] : ["ok", s]) } },
      );
      await h.next("connect", pid);
      await Parley.disconnect(pid);
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
      await h.next("connect", pid);
      expect(upgrades(srv)).toBe(2);
    });

    it("[\"stop\", r, s] exits with r after terminate", async () => {
      const pid = await h.start({ url: srv.url, reconnect: true }, { hooks: { disconnect: (s) => ["stop", "done", s] } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close:1000:bye"]);
      await h.next("disconnect", pid);
      expect((await h.next("terminate", pid))[2]).toBe("done");
      expect(await h.exitReason(pid)).toBe("done");
    });
  });

  describe("stopping", () => {
    it("[\"stop\", \"normal\", s] from a callback closes with 1000, runs terminate, skips handleDisconnect", async () => {
      const pid = await h.start({ url: srv.url }, { hooks: { frame: (s) => ["stop", "normal", s] } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "stop please"]);
      expect((await h.next("terminate", pid))[2]).toBe("normal");
      expect(await h.exitReason(pid)).toBe("normal");
      expect((await srv.waitFor("close")).code).toBe(1000);
      expect(h.pending("disconnect", pid)).toEqual([]);
      expect(h.logs.errors()).toEqual([]);
    });

    it("any other stop reason closes with 1011", async () => {
      const pid = await h.start({ url: srv.url }, { hooks: { frame: (s) => ["stop", "bad_frame", s] } });
      await h.next("connect", pid);
      Parley.sendFrameAsync(pid, ["text", "x"]);
      expect(await h.exitReason(pid)).toBe("bad_frame");
      expect((await srv.waitFor("close")).code).toBe(1011);
      expect(h.pending("disconnect", pid)).toEqual([]);
    });

    it("a throw in a callback closes with 1011, runs terminate, and exits with the error", async () => {
      const boom = new Error("callback blew up");
      const pid = await h.start({ url: srv.url }, { hooks: { frame: () => { throw boom; } } });
      await h.next("connect", pid);
      Parley.sendFrameAsync(pid, ["text", "x"]);
      expect((await h.next("terminate", pid))[2]).toBe(boom);
      expect(await h.exitReason(pid)).toBe(boom);
      expect((await srv.waitFor("close")).code).toBe(1011);
      expect(h.logs.errors()).toHaveLength(1);
      expect(h.logs.errors()[0]).toMatchObject({ callback: "handleFrame", reason: "Error: callback blew up" });
    });

    it("Parley.stop with \"shutdown\" closes with 1001", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.stop(pid, "shutdown");
      expect((await srv.waitFor("close")).code).toBe(1001);
      expect(h.logs.errors()).toEqual([]);
    });
  });

  describe("exit signals", () => {
    it("the parent's shutdown runs the shutdown path: close 1001, terminate, no handleDisconnect", async () => {
      const { pid, parent } = await startUnderParent({ url: srv.url });
      await h.next("connect", pid);
      parent.close("shutdown");
      expect((await h.next("terminate", pid))[2]).toBe("shutdown");
      expect(await h.exitReason(pid)).toBe("shutdown");
      expect((await srv.waitFor("close")).code).toBe(1001);
      expect(h.pending("disconnect", pid)).toEqual([]);
      expect(h.logs.errors()).toEqual([]);
    });

    it("the parent's exit while connecting runs terminate and ends the dial", async () => {
      const silent = h.defer(await startSilentServer());
      const { pid, parent } = await startUnderParent({ url: silent.url, connectTimeout: 60_000 });
      expect((await Parley.status(pid)).state).toBe("connecting");
      parent.close("shutdown");
      expect((await h.next("terminate", pid))[2]).toBe("shutdown");
      expect(await h.exitReason(pid)).toBe("shutdown");
    });

    it("the parent's normal exit stops the client normally (close 1000)", async () => {
      const { pid, parent } = await startUnderParent({ url: srv.url });
      await h.next("connect", pid);
      parent.close();
      expect(await h.exitReason(pid)).toBe("normal");
      expect((await srv.waitFor("close")).code).toBe(1000);
    });

    it("an exit from another linked process reaches handleInfo as [\"EXIT\", pid, reason]", async () => {
      const pid = await h.start(
        { url: srv.url },
        {
          hooks: {
            info: (s, msg) => {
              if (msg === "spawn-worker") {
                const worker = spawnLink(() => receive(() => undefined));
                send(s.to, ["worker", worker]);
              }
              return ["ok", s];
            },
          },
        },
      );
      await h.next("connect", pid);
      send(pid, "spawn-worker");
      const worker = await h.receive((m) => (Array.isArray(m) && m[0] === "worker" ? (m[1] as Pid) : undefined));
      exit(worker, "worker_failed");
      const [, , msg] = await h.next("info", pid, (e) => Array.isArray(e[2]) && e[2][0] === "EXIT");
      expect(msg).toEqual(["EXIT", worker, "worker_failed"]);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
    });

    it("an exit signal from outside any process also arrives in handleInfo", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      exit(pid, "please");
      const [, , msg] = await h.next("info", pid);
      expect(msg).toMatchObject(["EXIT", expect.anything(), "please"]);
      expect(isAlive(pid)).toBe(true);
    });
  });

  describe("under a Supervisor", () => {
    it("Supervisor.stop shuts the client down with close 1001 and terminate", async () => {
      const state: ProbeState = { to: h.inbox.pid, hooks: {} };
      const sup = h.track(await Supervisor.startLink([[Probe, [state, { url: srv.url }]]], { strategy: "one_for_one" }));
      const [, pid] = await h.next("connect");
      await Supervisor.stop(sup);
      expect((await h.next("terminate", pid))[2]).toBe("shutdown");
      expect((await srv.waitFor("close")).code).toBe(1001);
      expect(h.logs.errors()).toEqual([]);
    });

    it("a client that crashes is restarted and connects again", async () => {
      const state: ProbeState = {
        to: h.inbox.pid,
        hooks: { info: (s, msg) => (msg === "crash" ? ["stop", "crashed", s] : ["ok", s]) },
      };
      const sup = h.track(await Supervisor.startLink([[Probe, [state, { url: srv.url }]]], { strategy: "one_for_one" }));
      const [, first] = await h.next("connect");
      send(first, "crash");
      const [, second] = await h.next("connect", undefined, (e) => e[1] !== first);
      expect(second).not.toBe(first);
      expect((await srv.waitFor("close")).code).toBe(1011);
      await Supervisor.stop(sup);
    });
  });
});
