// Closing, from either side: Parley.disconnect with a code and reason, the close timeout, remote
// closes (echoed), abrupt drops, refused upgrades, connect timeouts and servers that speak garbage.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { isAlive, OptionsError, Parley, send, UpgradeError, type ConnectStopMessage } from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import { startGarbageServer, startServer, startSilentServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

describe("closing", () => {
  describe("Parley.disconnect", () => {
    it("sends close 1000 by default; handleDisconnect gets \"closed\"", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.disconnect(pid);
      expect(await srv.waitFor("close")).toMatchObject({ code: 1000, reason: "" });
      expect((await h.next("disconnect", pid)).slice(2)).toEqual(["closed", 0]);
    });

    it("sends the code and reason given", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.disconnect(pid, { code: 4321, reason: "done here" });
      expect(await srv.waitFor("close")).toMatchObject({ code: 4321, reason: "done here" });
    });

    it("resolves once handleDisconnect ran and the client is disconnected", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.disconnect(pid);
      // The report of handleDisconnect was sent before disconnect() resolved.
      expect(h.pending("disconnect", pid)).toHaveLength(1);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("waits for the server's close reply", async () => {
      // The server answers the client's close frame 100 ms late.
      const slowClose = h.defer(
        await startServer({
          closeReply: false,
          onConnection: (ws) => {
            const ignore = ws.close;
            ws.close = (code?: number, reason?: string | Buffer) => {
              ignore.call(ws, code, reason);
              setTimeout(() => WebSocket.prototype.close.call(ws, code, reason), 100);
            };
          },
        }),
      );
      const pid = await h.start({ url: slowClose.url, closeTimeout: 60_000 });
      await h.next("connect", pid);
      const t0 = performance.now();
      await Parley.disconnect(pid, { code: 1000, reason: "bye" });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
      expect(await slowClose.waitFor("close")).toMatchObject({ code: 1000, reason: "bye" });
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
    });

    it("gives up after closeTimeout when the server never answers the close", async () => {
      const mute = h.defer(await startServer({ closeReply: false }));
      const pid = await h.start({ url: mute.url, closeTimeout: 150 });
      await h.next("connect", pid);
      const t0 = performance.now();
      await Parley.disconnect(pid);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("while connecting: ends the dial, handleDisconnect gets \"closed\", the client stays alive", async () => {
      const stops = h.telemetry<ConnectStopMessage>("parley:connect:stop");
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 });
      expect((await Parley.status(pid)).state).toBe("connecting");
      await Parley.disconnect(pid);
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
      expect(isAlive(pid)).toBe(true);
      expect(stops.filter((m) => m.pid === pid)).toEqual([expect.objectContaining({ outcome: "aborted", attempt: 0 })]);
    });

    it("while disconnected or closing: resolves", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      const [a, b] = [Parley.disconnect(pid), Parley.disconnect(pid)];
      await Promise.all([a, b]);
      await Parley.disconnect(pid);
      expect(h.pending("disconnect", pid)).toHaveLength(1);
    });

    it("a disconnect() still waiting resolves when the client stops meanwhile", async () => {
      const mute = h.defer(await startServer({ closeReply: false }));
      const pid = await h.start({ url: mute.url, closeTimeout: 60_000 });
      await h.next("connect", pid);
      const waiting = Parley.disconnect(pid);
      expect((await Parley.status(pid)).state).toBe("closing");
      await Parley.stop(pid);
      await waiting;
      expect(h.pending("disconnect", pid)).toEqual([]);
    });

    it("rejects OptionsError for a code or reason ws cannot send", async () => {
      const pid = await h.start({ url: srv.url });
      for (const opts of [{ code: 1005 }, { code: 1006 }, { code: 999 }, { code: 5000 }, { code: 1000.5 }, { reason: "x".repeat(124) }]) {
        await expect(Parley.disconnect(pid, opts), JSON.stringify(opts)).rejects.toBeInstanceOf(OptionsError);
      }
      await h.next("connect", pid);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
    });
  });

  describe("[\"disconnect\", reason, s, closeFrame] from a callback", () => {
    it("closes with that frame and reports the reason", async () => {
      const pid = await h.start({ url: srv.url }, { hooks: { frame: (s) => ["disconnect", "told_to_leave", s, [4002, "leaving"]] } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "bye"]);
      expect(await srv.waitFor("close")).toMatchObject({ code: 4002, reason: "leaving" });
      expect((await h.next("disconnect", pid))[2]).toBe("told_to_leave");
      expect(isAlive(pid)).toBe(true);
    });

    it("without a close frame closes with 1000", async () => {
      const pid = await h.start({ url: srv.url }, { hooks: { info: (s) => ["disconnect", "info_disconnect", s] } });
      await h.next("connect", pid);
      Parley.cast(pid, "ignored"); // casts go to handleCast, not handleInfo
      send(pid, "leave");
      expect((await srv.waitFor("close")).code).toBe(1000);
      expect((await h.next("disconnect", pid))[2]).toBe("info_disconnect");
    });
  });

  describe("results while connecting", () => {
    it("[\"disconnect\", r, s] from handleInfo ends the dial without a close frame; handleDisconnect gets r", async () => {
      const stops = h.telemetry<ConnectStopMessage>("parley:connect:stop");
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 }, { hooks: { info: (s) => ["disconnect", "give_up", s] } });
      send(pid, "give up");
      expect((await h.next("disconnect", pid)).slice(2)).toEqual(["give_up", 0]);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
      expect(stops.filter((m) => m.pid === pid)).toEqual([expect.objectContaining({ outcome: "aborted", reason: "give_up" })]);
    });

    it("[\"stop\", r, s] from handleInfo ends the dial and exits with r", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 }, { hooks: { info: (s) => ["stop", "enough", s] } });
      send(pid, "stop");
      expect((await h.next("terminate", pid))[2]).toBe("enough");
      expect(await h.exitReason(pid)).toBe("enough");
      expect(h.pending("disconnect", pid)).toEqual([]);
    });
  });

  describe("remote close", () => {
    for (const [code, reason] of [[1000, "normal closure"], [1001, "going away"], [1008, "policy"], [4000, "app: custom"]] as const) {
      it(`reports ["remote_close", ${code}, text] and echoes ${code}`, async () => {
        const pid = await h.start({ url: srv.url });
        await h.next("connect", pid);
        await Parley.sendFrame(pid, ["text", `close:${code}:${reason}`]);
        expect((await h.next("disconnect", pid))[2]).toEqual(["remote_close", code, reason]);
        expect(await srv.waitFor("close")).toMatchObject({ code, reason });
        expect(isAlive(pid)).toBe(true);
      });
    }

    it("reports 1005 when the server's close has no code", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "close-nocode"]);
      expect((await h.next("disconnect", pid))[2]).toEqual(["remote_close", 1005, ""]);
    });

    it("an abrupt drop is [\"error\", err]", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "terminate"]);
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", expect.any(Error)]);
      expect(isAlive(pid)).toBe(true);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("a server dying while the client is closing still ends in \"closed\"", async () => {
      const mute = h.defer(await startServer({ closeReply: false }));
      const pid = await h.start({ url: mute.url, closeTimeout: 60_000 });
      await h.next("connect", pid);
      const done = Parley.disconnect(pid);
      expect((await Parley.status(pid)).state).toBe("closing");
      for (const ws of mute.connections) ws.terminate();
      await done;
      expect((await h.next("disconnect", pid))[2]).toBe("closed");
    });
  });

  describe("failed upgrades", () => {
    it("a refused upgrade is [\"error\", UpgradeError] with statusCode and headers; the client stays alive", async () => {
      const refusing = h.defer(await startServer({ refuse: { status: 403, headers: { "x-why": "banned" } } }));
      const pid = await h.start({ url: refusing.url });
      const [, , reason, attempt] = await h.next("disconnect", pid);
      expect(attempt).toBe(0);
      const err = (reason as [string, UpgradeError])[1];
      expect(err).toBeInstanceOf(UpgradeError);
      expect(err.statusCode).toBe(403);
      expect(err.headers["x-why"]).toBe("banned");
      expect(err.message).toBe("upgrade refused: the server answered HTTP 403");
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("headers decide: 401 without authorization, connected with it", async () => {
      const auth = h.defer(
        await startServer({ refuse: (req) => (req.headers.authorization === "Bearer ok" ? undefined : { status: 401 }) }),
      );
      const without = await h.start({ url: auth.url });
      expect(((await h.next("disconnect", without))[2] as [string, UpgradeError])[1].statusCode).toBe(401);
      const withAuth = await h.start({ url: auth.url, headers: { authorization: "Bearer ok" } });
      await h.next("connect", withAuth);
    });

    it("connect_timeout when the server never answers the upgrade", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 80, reconnect: { baseDelay: 60_000 } });
      const t0 = performance.now();
      expect((await h.next("disconnect", pid))[2]).toBe("connect_timeout");
      expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
    });

    it("a server that answers garbage leaves the client alive in disconnected", async () => {
      const garbage = h.defer(await startGarbageServer());
      const pid = await h.start({ url: garbage.url, connectTimeout: 2000 });
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", expect.any(Error)]);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected" });
      expect(isAlive(pid)).toBe(true);
    });
  });
});
