// Issue 10, defect 6, kept fixed by a canary: secrets are planted everywhere a client meets them
// (URL credentials, secret query parameters of every known family, request headers, the server's
// Set-Cookie on a refusal and on a 101, WWW-Authenticate), the client runs through a refusal, a
// reconnect with a new URL, a connection, a crash and a bad URL; then every sink (logs at trace
// level with crash reports, sys.getStatus, Parley.status, every telemetry channel in both
// formatTerm and JSON form, every error message) is searched for every canary.
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { channels, ExitError, Parley, send, Supervisor, sys, type DisconnectResult } from "../../src/index.ts";
import { formatTerm } from "../../src/runtime/format-term.ts";
import { redactUrl } from "../../src/runtime/secrets.ts";
import { ClientHarness, type ProbeState } from "../helpers/client.ts";
import { startServer } from "../helpers/ws-server.ts";

const CANARIES = {
  password: "CANARY-PASSWORD-1f",
  token: "CANARY-TOKEN-2e",
  amzSignature: "CANARY-AMZSIG-3d",
  amzCredential: "CANARY-AMZCRED-4c",
  amzToken: "CANARY-AMZTOKEN-5b",
  sig: "CANARY-SIG-6a",
  apiKey: "CANARY-APIKEY-79",
  fragment: "CANARY-FRAGMENT-88",
  authorization: "CANARY-AUTH-97",
  refusedCookie: "CANARY-REFUSED-COOKIE-a6",
  wwwAuthenticate: "CANARY-WWW-AUTH-b5",
  upgradeCookie: "CANARY-UPGRADE-COOKIE-c4",
};

/** A URL for `base` carrying every URL-borne canary. */
function secretUrl(base: string): string {
  const u = new URL(base);
  u.username = "canary-user";
  u.password = CANARIES.password;
  return `${u.href}?room=1&token=${CANARIES.token}&X-Amz-Signature=${CANARIES.amzSignature}` +
    `&X-Amz-Credential=${CANARIES.amzCredential}&X-Amz-Security-Token=${CANARIES.amzToken}&sig=${CANARIES.sig}&api_key=${CANARIES.apiKey}`;
}

let h: ClientHarness;
const telemetry: string[] = [];
const errors: string[] = [];
const onAny = (msg: unknown): void => void telemetry.push(formatTerm(msg, 10), JSON.stringify(msg, showErrors) ?? "");
const CHANNELS = Object.values(channels).map((c) => c.name);

beforeEach(() => {
  h = new ClientHarness();
  for (const c of CHANNELS) diagnostics_channel.subscribe(c, onAny);
});
afterEach(async () => {
  for (const c of CHANNELS) diagnostics_channel.unsubscribe(c, onAny);
  telemetry.length = 0;
  errors.length = 0;
  await h.cleanup();
});

/** JSON with everything an Error holds: its message, stack and own fields (headers included). */
function showErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { ...value, name: value.name, message: value.message, stack: value.stack };
}

function expectNoCanary(text: string, sink: string): void {
  for (const [what, canary] of Object.entries(CANARIES)) expect(text, `${what} leaked into ${sink}`).not.toContain(canary);
}

describe("secret canary", () => {
  it("no sink shows a secret: refusal, reconnect with a new URL, connection, crash", async () => {
    const refusing = h.defer(await startServer({
      refuse: {
        status: 401,
        headers: { "set-cookie": `sid=${CANARIES.refusedCookie}`, "www-authenticate": `Bearer realm="${CANARIES.wwwAuthenticate}"` },
      },
    }));
    const accepting = h.defer(await startServer());
    accepting.server.on("headers", (headers: string[]) => headers.push(`Set-Cookie: sid=${CANARIES.upgradeCookie}`));
    const good = secretUrl(accepting.url);
    const disconnect = (s: ProbeState, reason: unknown): DisconnectResult<ProbeState> =>
      Array.isArray(reason) && reason[0] === "error" ? ["reconnect", s, { url: good }] : ["ok", s];
    const pid = await h.start(
      { url: secretUrl(refusing.url), headers: { authorization: `Bearer ${CANARIES.authorization}` }, reconnect: { baseDelay: 5 } },
      {
        hooks: {
          disconnect,
          info: (s, msg) => {
            if (msg === "crash") throw new Error("crash on purpose");
            return ["ok", s];
          },
        },
        // The user's state holds its URL, as real clients do: the crash report must not show it.
        extra: { note: good },
      },
    );
    await sys.trace(pid, true);
    const [, , refusal] = await h.next("disconnect", pid);
    // handleDisconnect, the user's own code, sees the whole answer of the server.
    expect(JSON.stringify(refusal, showErrors)).toContain(CANARIES.refusedCookie);
    const [, , info] = await h.next("connect", pid);
    expect(JSON.stringify(info.headers)).toContain(CANARIES.upgradeCookie);
    await Parley.sendFrame(pid, ["text", "hello"]);
    await h.next("frame", pid);

    const status = await Parley.status(pid);
    expect(status.url).toBe(redactUrl(good));
    expectNoCanary(JSON.stringify(status), "Parley.status");
    const sysStatus = await sys.getStatus(pid);
    expectNoCanary(formatTerm({ ...sysStatus, data: undefined }, 10), "sys.getStatus");

    send(pid, "crash");
    await h.exitReason(pid);
    const late = await Parley.call(pid, "anything").catch((e: unknown) => e);
    expect(late).toBeInstanceOf(Error);
    errors.push(String(late));

    expect(h.logs.errors()).toHaveLength(1);
    expect(h.logs.lines.filter((l) => l.msg === "sys trace: event").length).toBeGreaterThan(2);
    expectNoCanary(JSON.stringify(h.logs.lines), "logs (trace level, crash report)");
    expect(telemetry.some((t) => t.includes("UpgradeError"))).toBe(true);
    expectNoCanary(telemetry.join("\n"), "telemetry");
    expectNoCanary(errors.join("\n"), "error messages");
  });

  it("OptionsErrors and ExitErrors for bad URLs show no secret", async () => {
    const bad = [
      `http://canary-user:${CANARIES.password}@example.com/?token=${CANARIES.token}`,
      `wss://example.com/socket?sig=${CANARIES.sig}#access_token=${CANARIES.fragment}`,
      `ws://[not-an-ipv6/?X-Amz-Signature=${CANARIES.amzSignature}&X-Amz-Credential=${CANARIES.amzCredential}`,
      `not a url at all ?api_key=${CANARIES.apiKey}`,
    ];
    for (const url of bad) {
      const err = await Parley.start(class extends Parley {}, undefined, { url }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "OptionsError", option: "url" });
      errors.push(String(err), formatTerm(err, 10), JSON.stringify(err, showErrors));
    }
    const ok = h.defer(await startServer());
    const pid = await h.start({ url: ok.url }, { hooks: { disconnect: (s) => ["reconnect", s, { url: bad[1]! }] } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:4000:bye"]);
    const reason = await h.exitReason(pid);
    expect(reason).toMatchObject({ name: "OptionsError" });
    errors.push(formatTerm(reason, 10), JSON.stringify(reason, showErrors), String(new ExitError(reason, pid)));
    expectNoCanary(errors.join("\n"), "error messages");
    expectNoCanary(JSON.stringify(h.logs.lines), "logs");
    expectNoCanary(telemetry.join("\n"), "telemetry");
  });

  it("a supervisor restarting a client that stopped on a refusal publishes the reason redacted", async () => {
    const refusing = h.defer(await startServer({ refuse: { status: 403, headers: { "set-cookie": `sid=${CANARIES.refusedCookie}` } } }));
    class Quitter extends Parley<undefined> {
      override handleDisconnect(reason: unknown, s: undefined) {
        return ["stop", reason, s] as const;
      }
    }
    const restarts: unknown[] = [];
    const onRestart = (m: unknown): void => void restarts.push(m);
    diagnostics_channel.subscribe("parley:supervisor:restart", onRestart);
    try {
      const sup = await h.inbox.run(() =>
        Supervisor.startLink([{ id: "quitter", start: () => Quitter.startLink(undefined, { url: refusing.url }) }], { strategy: "one_for_one", maxRestarts: 1 }),
      );
      h.track(sup);
      await h.exitReason(sup, 5000).catch(() => undefined);
      expect(restarts.length).toBeGreaterThan(0);
      expect(JSON.stringify(restarts, showErrors)).toContain("[redacted]");
      expectNoCanary(JSON.stringify(restarts, showErrors) + formatTerm(restarts, 10), "parley:supervisor:restart");
      expectNoCanary(telemetry.join("\n"), "telemetry");
    } finally {
      diagnostics_channel.unsubscribe("parley:supervisor:restart", onRestart);
    }
  });
});
