// The Observer's server from a page's side, with a Node WebSocket standing in for the browser:
// files and headers, the origin check, updates, actions and their refusals, hostile input, close.
import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Sampler } from "../../src/observer/sampler.ts";
import { channels, GenServer, isAlive, link, Observer, type ObserverHandle, Parley, send, sys } from "../../src/index.ts";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { PageSocket, upgradeStatus } from "../helpers/observer.ts";
import { useLogCapture, useProcesses, WAIT } from "../helpers/runtime.ts";
import { startServer } from "../helpers/ws-server.ts";
import { Probe, quiet } from "../helpers/client.ts";

useLogCapture();
const { idle, inbox, killAfterTest } = useProcesses();

const TOKEN = "observer-test-token-0123";
const open: Array<ObserverHandle | PageSocket> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function observer(options?: Parameters<typeof Observer.start>[0]): Promise<ObserverHandle> {
  const o = await Observer.start(options);
  open.push(o);
  return o;
}

async function page(url: string): Promise<PageSocket> {
  const p = await PageSocket.open(url);
  open.push(p);
  return p;
}

class Echo extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
  override handleCall(req: unknown, _from: From, s: null) {
    return ["reply", req, s] as const;
  }
}

describe("Observer's page files", () => {
  it("serves the page with headers that keep it to itself, and nothing else", async () => {
    const o = await observer();
    expect(o.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(o.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).toContain('<script type="module" src="/observer.js"></script>');
    expect((await fetch(new URL("/observer.js", o.url))).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(new URL("/observer.css", o.url))).status).toBe(200);
    expect((await fetch(new URL("/../package.json", o.url))).status).toBe(404);
    expect((await fetch(new URL("/ws", o.url))).status).toBe(404);
    expect((await fetch(o.url, { method: "POST" })).status).toBe(405);
  });
});

describe("Observer's WebSocket", () => {
  it("accepts the page's own origin only", async () => {
    const o = await observer();
    const port = new URL(o.url).port;
    expect(await upgradeStatus(o.url, `http://127.0.0.1:${port}`)).toBe(101);
    expect(await upgradeStatus(o.url, `http://localhost:${port}`)).toBe(101);
    expect(await upgradeStatus(o.url, "http://evil.example")).toBe(403);
    expect(await upgradeStatus(o.url, `http://evil.example:${port}`)).toBe(403);
    expect(await upgradeStatus(o.url, `http://127.0.0.1:${Number(port) + 1}`)).toBe(403);
    expect(await upgradeStatus(o.url, null)).toBe(403);
    expect(await upgradeStatus(o.url, `http://127.0.0.1:${port}`, "/other")).toBe(403);
  });

  it("says hello, then sends updates at most 4 times a second", async () => {
    const o = await observer();
    const p = await page(o.url);
    const hello = await p.next((m): m is Extract<typeof m, { type: "hello" }> => m.type === "hello");
    expect(hello.actions).toBe(false);
    const first = await p.update();
    const second = await p.update();
    const third = await p.update();
    expect(second.at - first.at).toBeGreaterThanOrEqual(240);
    expect(third.at - second.at).toBeGreaterThanOrEqual(240);
    expect(first.processCount).toBeGreaterThanOrEqual(0);
  });

  it("samples only while a page is open", async () => {
    const sample = vi.spyOn(Sampler.prototype, "sample");
    try {
      const o = await observer();
      await quiet(300);
      expect(sample).not.toHaveBeenCalled();
      const p = await PageSocket.open(o.url);
      await p.update();
      await p.update();
      const closed = new Promise<void>((resolve) => p.ws.once("close", () => resolve()));
      p.ws.close();
      await closed;
      // The server sees the close on its side a moment later; after that, nothing samples.
      await quiet(300);
      const calls = sample.mock.calls.length;
      await quiet(600);
      expect(sample.mock.calls.length).toBe(calls);
    } finally {
      sample.mockRestore();
    }
  });

  it("shows a new process and its mailbox as it grows", async () => {
    const o = await observer();
    const p = await page(o.url);
    const pid = idle();
    for (let i = 0; i < 5; i++) send(pid, i);
    const u = await p.update((u) => u.processes.some((r) => r.pid === String(pid) && r.mailbox === 5));
    expect(u.processes.find((r) => r.pid === String(pid))).toMatchObject({ kind: "process", status: "waiting" });
  });

  it("subscribes to telemetry only while started, never to the per-frame channels", async () => {
    expect(channels.supervisorRestart.hasSubscribers).toBe(false);
    const o = await observer();
    expect(channels.supervisorRestart.hasSubscribers).toBe(true);
    expect(channels.connectStart.hasSubscribers).toBe(true);
    expect(channels.frameReceived.hasSubscribers).toBe(false);
    expect(channels.frameSent.hasSubscribers).toBe(false);
    await o.close();
    expect(channels.supervisorRestart.hasSubscribers).toBe(false);
  });

  it("feeds telemetry to the page, redacted, and the recent events to a page that opens later", async () => {
    const o = await observer();
    const p = await page(o.url);
    channels.supervisorRestart.publish({ supervisor: "sup", id: "child", reason: { password: "SECRET-PW", why: "boom" } });
    const u = await p.update((u) => u.events.length > 0);
    expect(u.events[0]).toMatchObject({ channel: "parley:supervisor:restart" });
    expect(u.events[0]!.text).toContain('why: "boom"');
    expect(u.events[0]!.text).not.toContain("SECRET");
    const later = await page(o.url);
    const hello = await later.next((m): m is Extract<typeof m, { type: "hello" }> => m.type === "hello");
    expect(hello.events.map((e) => e.channel)).toEqual(["parley:supervisor:restart"]);
  });

  it("feeds the nodes panel from the provider", async () => {
    const o = await observer({ nodes: () => ({ self: "a@127.0.0.1", nodes: [{ name: "b@127.0.0.1", state: "up" }] }) });
    const p = await page(o.url);
    const u = await p.update();
    expect(u.nodes).toEqual({ self: "a@127.0.0.1", nodes: [{ name: "b@127.0.0.1", state: "up", detail: "" }], globalNames: [], error: null });
  });
});

describe("Observer's actions", () => {
  it("are refused when the Observer has no token, and the process lives on", async () => {
    const o = await observer();
    const p = await page(o.url);
    const pid = idle();
    const r = await p.act({ action: "kill", pid: String(pid), token: TOKEN });
    expect(r).toMatchObject({ ok: false, message: "refused: the Observer was started without a token, so it takes no actions" });
    expect(isAlive(pid)).toBe(true);
  });

  it("are refused without the right token", async () => {
    const o = await observer({ token: TOKEN });
    const p = await page(o.url);
    const pid = idle();
    expect(await p.act({ action: "kill", pid: String(pid) })).toMatchObject({ ok: false, message: "refused: wrong or missing token" });
    expect(await p.act({ action: "kill", pid: String(pid), token: `${TOKEN}x` })).toMatchObject({ ok: false, message: "refused: wrong or missing token" });
    expect(isAlive(pid)).toBe(true);
  });

  it("kill with a reason, and the action shows in the feed", async () => {
    const o = await observer({ token: TOKEN });
    const p = await page(o.url);
    const box = inbox(true);
    const pid = idle();
    await box.run(() => link(pid));
    const r = await p.act({ action: "kill", pid: String(pid), token: TOKEN, reason: "from the page" });
    expect(r).toEqual({ type: "result", id: 1, ok: true, message: `exit(${String(pid)}, "from the page")` });
    expect(await box.receive((m) => (Array.isArray(m) && m[0] === "EXIT" && m[1] === pid ? m[2] : undefined), WAIT)).toBe("from the page");
    const u = await p.update((u) => u.events.some((e) => e.channel === "observer:action"));
    expect(u.events.find((e) => e.channel === "observer:action")!.text).toBe(`exit(${String(pid)}, "from the page")`);
  });

  it("suspend, resume and trace a behaviour", async () => {
    const o = await observer({ token: TOKEN });
    const p = await page(o.url);
    const pid = await Echo.start(undefined);
    killAfterTest(pid);
    expect(await p.act({ action: "suspend", pid: String(pid), token: TOKEN })).toMatchObject({ ok: true, message: `sys.suspend(${String(pid)})` });
    expect((await sys.getStatus(pid)).status).toBe("suspended");
    expect(await p.act({ action: "trace", pid: String(pid), token: TOKEN, on: true })).toMatchObject({ ok: true });
    await p.update((u) => u.processes.some((r) => r.pid === String(pid) && r.status === "suspended" && r.tracing));
    expect(await p.act({ action: "resume", pid: String(pid), token: TOKEN })).toMatchObject({ ok: true });
    expect(await p.act({ action: "trace", pid: String(pid), token: TOKEN, on: false })).toMatchObject({ ok: true });
    expect(await sys.getStatus(pid)).toMatchObject({ status: "running" });
  });

  it("disconnect and connect a client", async () => {
    const srv = await startServer();
    open.push({ close: () => srv.close() } as ObserverHandle);
    const o = await observer({ token: TOKEN });
    const p = await page(o.url);
    const box = inbox(true);
    const pid = await Probe.start({ to: box.pid, hooks: {} }, { url: srv.url, heartbeat: false });
    killAfterTest(pid);
    await box.receive((m) => (Array.isArray(m) && m[0] === "connect" ? m : undefined), WAIT);
    expect(await p.act({ action: "disconnect", pid: String(pid), token: TOKEN })).toMatchObject({ ok: true, message: `Parley.disconnect(${String(pid)})` });
    expect((await Parley.status(pid)).state).toBe("disconnected");
    expect(await p.act({ action: "connect", pid: String(pid), token: TOKEN })).toMatchObject({ ok: true });
    await box.receive((m) => (Array.isArray(m) && m[0] === "connect" ? m : undefined), WAIT);
  });

  it("answers a bad request with what is wrong, and keeps serving", async () => {
    const o = await observer({ token: TOKEN });
    const p = await page(o.url);
    const pid = idle();
    expect(await p.act({ action: "explode", pid: String(pid), token: TOKEN })).toMatchObject({ ok: false, message: expect.stringMatching(/^unknown action "explode" \(known: kill, suspend/) });
    expect(await p.act({ action: "kill", pid: 42, token: TOKEN })).toMatchObject({ ok: false, message: expect.stringMatching(/^invalid pid 42/) });
    expect(await p.act({ action: "kill", pid: "#PID<0.99999.0>", token: TOKEN })).toMatchObject({ ok: false, message: "no process #PID<0.99999.0>" });
    expect(await p.act({ action: "kill", pid: String(pid), token: TOKEN, reason: "" })).toMatchObject({ ok: false, message: expect.stringMatching(/^invalid reason/) });
    expect(await p.act({ action: "trace", pid: String(pid), token: TOKEN })).toMatchObject({ ok: false, message: "invalid on: expected true or false for trace" });
    expect(await p.act({ action: "suspend", pid: String(pid), token: TOKEN })).toMatchObject({ ok: false, message: `sys.suspend(${String(pid)}) refused: ${String(pid)} is a plain process, not a behaviour` });
    const server = await Echo.start(undefined);
    killAfterTest(server);
    expect(await p.act({ action: "disconnect", pid: String(server), token: TOKEN })).toMatchObject({ ok: false, message: `Parley.disconnect(${String(server)}) refused: ${String(server)} is not a WebSocket client` });
    p.ws.send("not json");
    p.ws.send(Buffer.from([1, 2, 3]));
    p.ws.send(JSON.stringify([1, 2]));
    for (let i = 0; i < 3; i++) {
      expect(await p.next((m): m is Extract<typeof m, { type: "result" }> => m.type === "result" && m.id === 0)).toMatchObject({ ok: false, message: "expected a JSON action request" });
    }
    expect(isAlive(pid)).toBe(true);
    await p.update();
  });

  it("closes a page that sends an oversized message, and serves the others", async () => {
    const o = await observer({ token: TOKEN });
    const bad = await page(o.url);
    const good = await page(o.url);
    const closed = new Promise<number>((resolve) => bad.ws.once("close", (code) => resolve(code)));
    bad.ws.send("x".repeat(64 * 1024));
    expect(await closed).toBe(1009);
    await good.update();
  });
});

describe("Observer.start and close", () => {
  it("rejects with the listen error when the port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(Observer.start({ port })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      holder.close();
    }
  });

  it("closes the pages and frees the port; a second close waits for the same", async () => {
    const o = await Observer.start();
    const p = await PageSocket.open(o.url);
    const closed = new Promise<void>((resolve) => p.ws.once("close", () => resolve()));
    await Promise.all([o.close(), o.close()]);
    await closed;
    const again = await Observer.start({ port: Number(new URL(o.url).port) });
    await again.close();
  });
});
