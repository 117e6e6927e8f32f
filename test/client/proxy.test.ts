// Proxies through `transportOpts.agent`: the client dials through an HTTP CONNECT tunnel.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parley } from "../../src/index.ts";
import { ClientHarness } from "../helpers/client.ts";
import { proxyAgent, startConnectProxy, type ConnectProxy } from "../helpers/connect-proxy.ts";
import { startTlsServer } from "../helpers/tls.ts";
import { startServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let proxy: ConnectProxy;
beforeEach(async () => {
  h = new ClientHarness();
  proxy = h.defer(await startConnectProxy());
});
afterEach(() => h.cleanup());

describe("proxies", () => {
  it("tunnels ws:// through a CONNECT proxy given as transportOpts.agent", async () => {
    const srv = h.defer(await startServer());
    const pid = await h.start({ url: srv.url, transportOpts: { agent: proxyAgent(proxy.url) } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "via proxy"]);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "via proxy"]);
    expect(proxy.targets).toEqual([`127.0.0.1:${srv.port}`]);
  });

  it("ConnectInfo.peer through a proxy is the proxy's address: the tunnel's far end is not visible", async () => {
    const srv = h.defer(await startServer());
    const pid = await h.start({ url: srv.url, transportOpts: { agent: proxyAgent(proxy.url) } });
    const [, , info] = await h.next("connect", pid);
    expect(info.peer).toEqual({ address: "127.0.0.1", port: Number(new URL(proxy.url).port), family: "IPv4" });
  });

  it("tunnels wss:// with TLS over the tunnel", async () => {
    const srv = h.defer(await startTlsServer());
    const pid = await h.start({ url: srv.url, transportOpts: { ca: srv.ca, agent: proxyAgent(proxy.url, { secure: true }) } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "tls via proxy"]);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "tls via proxy"]);
    expect(proxy.targets).toEqual([`127.0.0.1:${srv.port}`]);
  });

  it("reconnects through the proxy", async () => {
    const srv = h.defer(await startServer());
    const pid = await h.start({ url: srv.url, reconnect: { baseDelay: 5 }, transportOpts: { agent: proxyAgent(proxy.url) } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:1001:again"]);
    await h.next("disconnect", pid);
    await h.next("connect", pid);
    expect(proxy.targets).toEqual([`127.0.0.1:${srv.port}`, `127.0.0.1:${srv.port}`]);
  });

  it("a proxy that refuses the tunnel is an error before any HTTP response from the server", async () => {
    const pid = await h.start({ url: "ws://example.invalid:81", transportOpts: { agent: proxyAgent(proxy.url) } });
    const [, , reason] = await h.next("disconnect", pid);
    expect(reason).toMatchObject(["error", { message: "proxy refused CONNECT example.invalid:81: 403 Forbidden" }]);
    expect(proxy.refused).toEqual(["example.invalid:81"]);
    expect(await h.exitReason(pid)).toMatchObject(["error", expect.any(Error)]);
  });
});
