// Self-tests of the loopback helpers, driven by a raw `ws` client.
import type { IncomingMessage } from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ClientOptions, RawData } from "ws";
import { proxyAgent, startConnectProxy } from "./connect-proxy.ts";
import { makeSelfSignedCert, startTlsServer } from "./tls.ts";
import {
  startGarbageServer,
  startHalfOpenServer,
  startRefusingPort,
  startServer,
  startSilentServer,
} from "./ws-server.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function later<T extends { close(): Promise<void> | void }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

async function open(url: string, opts: ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  later({ close: () => ws.terminate() });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return ws;
}
function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data: RawData, isBinary: boolean) => resolve({ data: data as Buffer, isBinary })));
}
function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}
function failure(ws: WebSocket): Promise<Error> {
  return new Promise((resolve) => ws.once("error", resolve));
}

describe("startServer", () => {
  it("echoes text as text and binary as binary, and records both", async () => {
    const srv = later(await startServer());
    const ws = await open(srv.url);
    ws.send("hi");
    expect(await next(ws)).toEqual({ data: Buffer.from("hi"), isBinary: false });
    ws.send(Buffer.from([1, 2, 3]));
    expect(await next(ws)).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true });
    expect(srv.received).toEqual([
      { id: 1, kind: "text", data: "hi" },
      { id: 1, kind: "binary", data: Buffer.from([1, 2, 3]) },
    ]);
    expect(srv.connections.size).toBe(1);
  });

  it("closes with the code and reason asked for, and with no code (1005)", async () => {
    const srv = later(await startServer());
    const a = await open(srv.url);
    a.send("close:1001:bye: now");
    expect(await closed(a)).toEqual({ code: 1001, reason: "bye: now" });
    const b = await open(srv.url);
    b.send("close-nocode");
    expect(await closed(b)).toEqual({ code: 1005, reason: "" });
  });

  it("terminate destroys the socket (1006)", async () => {
    const srv = later(await startServer());
    const ws = await open(srv.url);
    ws.send("terminate");
    expect((await closed(ws)).code).toBe(1006);
  });

  it("pings, sends big and many frames, and echoes the upgrade headers", async () => {
    const srv = later(await startServer());
    const ws = await open(srv.url, { headers: { "x-test": "yes" } });
    const ping = new Promise<Buffer>((resolve) => ws.once("ping", resolve));
    ws.send("ping:hello");
    expect((await ping).toString()).toBe("hello");
    await srv.waitFor("pong", (e) => e.data.toString() === "hello");
    ws.send("send-big:70000");
    const big = await next(ws);
    expect([big.isBinary, big.data.length]).toEqual([true, 70000]);
    ws.send("echo-headers");
    expect(JSON.parse((await next(ws)).data.toString())).toMatchObject({ "x-test": "yes" });
    const texts: string[] = [];
    ws.on("message", (d: RawData) => texts.push(String(d)));
    ws.send("send-many:3");
    await expect.poll(() => texts).toEqual(["1", "2", "3"]);
  });

  it("stop-pong leaves later pings unanswered", async () => {
    const srv = later(await startServer());
    const ws = await open(srv.url);
    const pongs: string[] = [];
    ws.on("pong", (d: Buffer) => pongs.push(d.toString()));
    ws.ping("a");
    await expect.poll(() => pongs).toEqual(["a"]);
    ws.send("stop-pong");
    await srv.waitFor("message", (e) => e.frame.data === "stop-pong");
    // More than ws's 60 pending auto-pongs, after which it would terminate the connection.
    for (let i = 0; i < 70; i++) ws.ping("b");
    await srv.waitFor("ping", () => srv.events.filter((e) => e.type === "ping").length === 71);
    await new Promise((r) => setTimeout(r, 30));
    expect([pongs, ws.readyState]).toEqual([["a"], WebSocket.OPEN]);
  });

  it("upgradeDelay holds the upgrade; broadcast reaches every client", async () => {
    const srv = later(await startServer({ upgradeDelay: 60, echo: false }));
    const start = Date.now();
    const [a, b] = await Promise.all([open(srv.url), open(srv.url)]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(50);
    const got = Promise.all([next(a), next(b)]);
    srv.broadcast("all");
    expect((await got).map((m) => m.data.toString())).toEqual(["all", "all"]);
  });

  it("waitFor rejects naming what it saw", async () => {
    const srv = later(await startServer());
    await open(srv.url);
    await expect(srv.waitFor("close", undefined, 20)).rejects.toThrow(
      'no matching "close" event within 20 ms; seen: [upgrade#1, connection#1]',
    );
  });

  it("sends the greeting in the same TCP chunk as the 101", async () => {
    const srv = later(await startServer({ greeting: "welcome" }));
    const sock = net.connect(srv.port, "127.0.0.1");
    later({ close: () => void sock.destroy() });
    sock.write(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    const chunk = await new Promise<Buffer>((resolve) => sock.once("data", resolve));
    // 0x81 0x07: an unmasked final text frame of 7 bytes, right after the response headers.
    expect(chunk.subarray(chunk.indexOf("\r\n\r\n") + 4)).toEqual(Buffer.from("\x81\x07welcome", "latin1"));
    // ws emits the greeting in the same tick as 'open': listen before awaiting the open.
    const ws = new WebSocket(srv.url);
    later({ close: () => ws.terminate() });
    expect((await next(ws)).data.toString()).toBe("welcome");
  });

  it("picks the first offered protocol it supports", async () => {
    const srv = later(await startServer({ protocols: ["b", "c"] }));
    const ws2 = new WebSocket(srv.url, ["a", "c", "b"]);
    later({ close: () => ws2.terminate() });
    await new Promise((r) => ws2.once("open", r));
    expect(ws2.protocol).toBe("c");
    expect((await srv.waitFor("connection")).protocol).toBe("c");
  });

  it("refuses an upgrade with a status and headers (unexpected-response)", async () => {
    const srv = later(await startServer({ refuse: { status: 401, headers: { "www-authenticate": 'Bearer realm="x"' } } }));
    const ws = new WebSocket(srv.url);
    const res = await new Promise<IncomingMessage>((resolve) =>
      ws.once("unexpected-response", (_req, r: IncomingMessage) => {
        resolve(r);
        r.destroy();
      }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="x"');
    expect((await srv.waitFor("upgrade")).refused).toBe(401);
  });

  it("closeReply: false never answers the client's close frame", async () => {
    const srv = later(await startServer({ closeReply: false }));
    const ws = await open(srv.url, { closeTimeout: 100 } as ClientOptions);
    const start = Date.now();
    ws.close(1000, "done");
    expect((await closed(ws)).code).toBe(1006);
    expect(Date.now() - start).toBeGreaterThanOrEqual(90);
    expect(await srv.waitFor("close")).toMatchObject({ code: 1000, reason: "done" });
  });

  it("restart() listens again on the same port", async () => {
    const srv = later(await startServer());
    const a = await open(srv.url);
    const gone = closed(a);
    await srv.restart();
    expect((await gone).code).toBe(1006);
    const b = await open(srv.url);
    b.send("again");
    expect((await next(b)).data.toString()).toBe("again");
    await srv.close();
    expect((await failure(new WebSocket(srv.url))).message).toMatch(/ECONNREFUSED/);
  });
});

describe("raw misbehaving servers", () => {
  it("the silent server accepts TCP and never upgrades", async () => {
    const srv = later(await startSilentServer());
    const ws = new WebSocket(srv.url, { handshakeTimeout: 150 });
    expect((await failure(ws)).message).toBe("Opening handshake has timed out");
    expect(srv.accepted).toBe(1);
  });

  it("the garbage server answers with something that is not HTTP", async () => {
    const srv = later(await startGarbageServer());
    expect((await failure(new WebSocket(srv.url))).message).toMatch(/Parse Error/);
  });

  it("the refusing port refuses", async () => {
    const { url } = await startRefusingPort();
    expect((await failure(new WebSocket(url))).message).toMatch(/ECONNREFUSED/);
  });

  it("the half-open server upgrades, then ignores pings", async () => {
    const srv = later(await startHalfOpenServer());
    const ws = await open(srv.url, { protocol: "p1" } as ClientOptions);
    let pong = false;
    ws.on("pong", () => (pong = true));
    ws.ping();
    await new Promise((r) => setTimeout(r, 50));
    expect([ws.readyState, pong]).toEqual([WebSocket.OPEN, false]);
  });
});

describe("startTlsServer", () => {
  it("is rejected without the CA and accepted with it", async () => {
    const srv = later(await startTlsServer());
    expect((await failure(new WebSocket(srv.url))).message).toMatch(/self-signed certificate/);
    const ws = await open(srv.url, { ca: srv.ca });
    ws.send("secure");
    expect((await next(ws)).data.toString()).toBe("secure");
  });

  it("verifies the DNS name with a localhost url", async () => {
    const srv = later(await startTlsServer({ host: "localhost", tls: await makeSelfSignedCert(["localhost"]) }));
    expect(srv.url).toMatch(/^wss:\/\/localhost:\d+$/);
    await open(srv.url, { ca: srv.ca, family: 4 });
  });
});

describe("connect proxy", () => {
  it("tunnels ws:// and records the target", async () => {
    const srv = later(await startServer());
    const proxy = later(await startConnectProxy());
    const ws = await open(srv.url, { agent: proxyAgent(proxy.url) });
    ws.send("via proxy");
    expect((await next(ws)).data.toString()).toBe("via proxy");
    expect(proxy.targets).toEqual([`127.0.0.1:${srv.port}`]);
  });

  it("tunnels wss:// with a secure agent", async () => {
    const srv = later(await startTlsServer());
    const proxy = later(await startConnectProxy());
    const ws = await open(srv.url, { ca: srv.ca, agent: proxyAgent(proxy.url, { secure: true }) });
    ws.send("tls via proxy");
    expect((await next(ws)).data.toString()).toBe("tls via proxy");
    expect(proxy.targets).toEqual([`127.0.0.1:${srv.port}`]);
  });

  it("refuses targets off loopback", async () => {
    const proxy = later(await startConnectProxy());
    // Never dialled: the proxy refuses before any lookup.
    const ws = new WebSocket("ws://example.invalid:81", { agent: proxyAgent(proxy.url) });
    expect((await failure(ws)).message).toBe("proxy refused CONNECT example.invalid:81: 403 Forbidden");
    expect(proxy.refused).toEqual(["example.invalid:81"]);
  });
});
