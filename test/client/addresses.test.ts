// Addresses (API §9, hackney_ws's peername/sockname): ConnectInfo.peer and .local carry the IP and
// port each end of the TCP connection has, and Parley.status shows them while connected only.
import net from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { Parley } from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import type { TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

/** A ws server on ::1, or undefined when this machine has no IPv6 loopback. */
async function ipv6Server(): Promise<WebSocketServer | undefined> {
  const wss = new WebSocketServer({ host: "::1", port: 0 });
  return new Promise((resolve) => {
    wss.once("listening", () => resolve(wss));
    wss.once("error", () => resolve(undefined));
  });
}

describe("addresses", () => {
  it("handleConnect's info and status while connected carry the peer's and the local IP and port; absent once down", async () => {
    const pid = await h.start({ url: srv.url.replace("127.0.0.1", "localhost"), transportOpts: { family: 4 } });
    const [, , info] = await h.next("connect", pid);
    expect(info.peer).toEqual({ address: "127.0.0.1", port: srv.port, family: "IPv4" });
    expect(info.local?.address).toBe("127.0.0.1");
    expect(info.local?.family).toBe("IPv4");
    const server = await srv.waitFor("connection");
    expect(info.local?.port).toBe((server.socket as unknown as { _socket: net.Socket })._socket.remotePort);
    const status = await Parley.status(pid);
    expect(status.peer).toEqual(info.peer);
    expect(status.local).toEqual(info.local);
    await Parley.disconnect(pid);
    const down = await Parley.status(pid);
    expect("peer" in down).toBe(false);
    expect("local" in down).toBe(false);
  });

  it("IPv6: a connection to ::1 reports IPv6 addresses (skipped without an IPv6 loopback)", async (ctx) => {
    const wss = await ipv6Server();
    if (wss === undefined) return ctx.skip();
    h.defer({ close: () => new Promise<void>((resolve) => wss.close(() => resolve())) });
    wss.on("connection", (ws) => ws.on("error", () => undefined));
    const port = (wss.address() as net.AddressInfo).port;
    const pid = await h.start({ url: `ws://[::1]:${port}` });
    const [, , info] = await h.next("connect", pid);
    expect(info.peer).toEqual({ address: "::1", port, family: "IPv6" });
    expect(info.local).toMatchObject({ address: "::1", family: "IPv6" });
    expect((await Parley.status(pid)).peer).toEqual(info.peer);
  });
});
