// Request header values are secrets (tokens, cookies): they must never show in logs, crash
// reports, sys.getStatus, sys traces, telemetry or error messages.
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatTerm } from "../../src/runtime/format-term.ts";
import { channels, OptionsError, Parley, send, sys } from "../../src/index.ts";
import { redactUrl } from "../../src/runtime/secrets.ts";
import { ClientHarness } from "../helpers/client.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";

const TOKEN = "Bearer tok-SECRET-8d1f";
const COOKIE = "sid=COOKIE-SECRET-77aa";
const secretHeaders = { authorization: TOKEN, cookie: COOKIE, "x-api-key": "KEY-SECRET-99" };
const SECRETS = [/tok-SECRET/, /COOKIE-SECRET/, /KEY-SECRET/];

const CHANNELS = Object.values(channels).map((channel) => channel.name);

let h: ClientHarness;
let srv: TestServer;
const telemetry: string[] = [];
const onAny = (msg: unknown): void => void telemetry.push(formatTerm(msg, 8), JSON.stringify(msg) ?? "");
beforeEach(async () => {
  h = new ClientHarness();
  srv = h.defer(await startServer());
  for (const c of CHANNELS) diagnostics_channel.subscribe(c, onAny);
});
afterEach(async () => {
  for (const c of CHANNELS) diagnostics_channel.unsubscribe(c, onAny);
  telemetry.length = 0;
  await h.cleanup();
});

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) expect(text, where).not.toMatch(s);
}

describe("secrets", () => {
  it("the headers reach the server", async () => {
    const pid = await h.start({ url: srv.url, headers: secretHeaders });
    await h.next("connect", pid);
    expect((await srv.waitFor("upgrade")).headers.authorization).toBe(TOKEN);
  });

  it("never show in sys.getStatus, sys traces, telemetry or crash reports", async () => {
    const pid = await h.start(
      { url: srv.url, headers: secretHeaders, reconnect: { baseDelay: 5 } },
      { hooks: { info: (s, msg) => { if (msg === "crash") throw new Error("crash on purpose"); return ["ok", s]; } } },
    );
    await sys.trace(pid, true);
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "hello"]);
    await h.next("frame", pid);
    await Parley.sendFrame(pid, ["text", "close:4000:again"]);
    await h.next("disconnect", pid);
    await h.next("connect", pid);
    expectNoSecret(formatTerm(await sys.getStatus(pid), 10), "sys.getStatus");
    expectNoSecret(formatTerm(await sys.getState(pid), 10), "sys.getState");
    send(pid, "crash");
    await h.exitReason(pid);
    expect(h.logs.errors()).toHaveLength(1);
    expect(h.logs.lines.filter((l) => l.msg === "sys trace: event").length).toBeGreaterThan(3);
    expectNoSecret(JSON.stringify(h.logs.lines), "logs");
    expect(telemetry.length).toBeGreaterThan(0);
    expectNoSecret(telemetry.join("\n"), "telemetry");
  });

  it("never show in crash reports of a client that crashes while connecting", async () => {
    const refusing = h.defer(await startServer({ refuse: { status: 401 } }));
    const pid = await h.start(
      { url: refusing.url, headers: secretHeaders },
      { hooks: { disconnect: () => { throw new Error("crash in handleDisconnect"); } } },
    );
    await sys.trace(pid, true);
    await h.exitReason(pid);
    expect(h.logs.errors()).toHaveLength(1);
    // The last event names its connection by a handle: nothing of the socket (and its request) shows.
    expect(h.logs.errors()[0]!["lastEvent"]).toMatch(/^Closed \{conn: #Connection<\d+>, reason: \["error", UpgradeError: upgrade refused: the server answered HTTP 401\], reachedServer: true\}$/);
    expectNoSecret(JSON.stringify(h.logs.lines), "logs");
    expectNoSecret(telemetry.join("\n"), "telemetry");
  });

  it("a cookie the server sets in its upgrade response stays out of traces and crash reports", async () => {
    srv.server.on("headers", (headers: string[]) => headers.push("Set-Cookie: sid=COOKIE-SECRET-from-server"));
    const pid = await h.start({ url: srv.url }, { hooks: { connect: () => { throw new Error("crash in handleConnect"); } } });
    await sys.trace(pid, true);
    await h.exitReason(pid);
    const [report] = h.logs.errors();
    expect(report).toMatchObject({ callback: "handleConnect" });
    // The event still shows, with the header's name and a redacted value.
    expect(String(report!["lastEvent"])).toMatch(/^Opened \{conn: #Connection<\d+>, info: \{headers: \{.*"set-cookie": "\[redacted\]".*\}, protocol: ""\}\}$/);
    expectNoSecret(JSON.stringify(h.logs.lines), "logs");
  });

  it("the handleConnect info itself keeps the real header values", async () => {
    srv.server.on("headers", (headers: string[]) => headers.push("Set-Cookie: sid=visible-to-the-client"));
    const pid = await h.start({ url: srv.url });
    expect((await h.next("connect", pid))[2].headers["set-cookie"]).toEqual(["sid=visible-to-the-client"]);
  });

  it("are redacted in OptionsError messages", async () => {
    const err = await Parley.start(class extends Parley {}, {}, { url: srv.url, headers: { authorization: "tok-SECRET\r\n" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionsError);
    expectNoSecret((err as Error).message, "OptionsError");
    expectNoSecret(formatTerm(err, 10), "OptionsError");
  });

  it("credentials and secret query parameters in the url stay out of telemetry and status", async () => {
    const url = srv.url.replace("ws://", "ws://alice:PASS-SECRET@") + "?token=QUERY-SECRET&room=1";
    const pid = await h.start({ url });
    await h.next("connect", pid);
    const status = await Parley.status(pid);
    expect(status.url).toBe(srv.url.replace("ws://", "ws://redacted:redacted@").replace(/\/?$/, "/") + "?token=redacted&room=1");
    for (const text of [...telemetry, JSON.stringify(status)]) {
      expect(text).not.toMatch(/PASS-SECRET|QUERY-SECRET/);
    }
  });
});

describe("redactUrl", () => {
  it("returns a url without secrets exactly as given", () => {
    expect(redactUrl("ws://127.0.0.1:4000")).toBe("ws://127.0.0.1:4000");
    expect(redactUrl("wss://feed.example/socket?room=1")).toBe("wss://feed.example/socket?room=1");
  });

  it("redacts credentials and secret-looking query parameters", () => {
    expect(redactUrl("wss://bob:pw@feed.example/s?api_key=k&x=1")).toBe("wss://redacted:redacted@feed.example/s?api_key=redacted&x=1");
    expect(redactUrl("wss://bob@feed.example/")).toBe("wss://redacted@feed.example/");
  });
});
