// wss:// with a self-signed certificate: refused by default (TLS verification is on), accepted
// with the certificate as `transportOpts.ca`.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Parley } from "../../src/index.ts";
import { ClientHarness } from "../helpers/client.ts";
import { makeSelfSignedCert, startTlsServer, type SelfSignedCert } from "../helpers/tls.ts";

let h: ClientHarness;
let cert: SelfSignedCert;
let localhostCert: SelfSignedCert;
beforeAll(async () => {
  [cert, localhostCert] = await Promise.all([makeSelfSignedCert(), makeSelfSignedCert(["localhost"])]);
});
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

describe("TLS", () => {
  it("rejects a self-signed certificate by default: the first dial cannot reach the server", async () => {
    const srv = h.defer(await startTlsServer({ tls: cert }));
    const pid = await h.start({ url: srv.url });
    const [, , reason] = await h.next("disconnect", pid);
    expect(reason).toMatchObject(["error", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }]);
    expect(await h.exitReason(pid)).toMatchObject(["error", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }]);
    expect(srv.events.filter((e) => e.type === "upgrade")).toEqual([]);
  });

  it("connects with the certificate as transportOpts.ca", async () => {
    const srv = h.defer(await startTlsServer({ tls: cert }));
    const pid = await h.start({ url: srv.url, transportOpts: { ca: srv.ca } });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "over tls"]);
    expect((await h.next("frame", pid))[2]).toEqual(["text", "over tls"]);
  });

  it("verifies the host name: a certificate for another name is refused even with its ca", async () => {
    const srv = h.defer(await startTlsServer({ tls: localhostCert }));
    const pid = await h.start({ url: srv.url, transportOpts: { ca: srv.ca } });
    const [, , reason] = await h.next("disconnect", pid);
    expect(reason).toMatchObject(["error", { code: "ERR_TLS_CERT_ALTNAME_INVALID" }]);
  });

  it("connects to a DNS name with SNI", async () => {
    const srv = h.defer(await startTlsServer({ tls: localhostCert, host: "localhost" }));
    const pid = await h.start({ url: srv.url, transportOpts: { ca: srv.ca, family: 4 } });
    await h.next("connect", pid);
  });

  it("rejectUnauthorized: false accepts any certificate", async () => {
    const srv = h.defer(await startTlsServer({ tls: cert }));
    const pid = await h.start({ url: srv.url, transportOpts: { rejectUnauthorized: false } });
    await h.next("connect", pid);
  });
});
