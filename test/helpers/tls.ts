// Test-time TLS: a throwaway self-signed certificate and a `wss://` twin of `startServer`.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import https from "node:https";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { serveWebSocket } from "./ws-server.ts";
import type { ServerOptions, TestServer } from "./ws-server.ts";

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM private key (P-256: generated in milliseconds, unlike RSA). */
  key: string;
  /** PEM certificate; also the CA to trust (`ca: cert`). */
  cert: string;
}

/**
 * A fresh key and self-signed certificate whose subjectAltName lists `hosts` (DNS names and IP
 * addresses alike). Each call makes a new one, so two calls give two mutually untrusted CAs.
 * @throws Error when the `openssl` CLI is not on PATH.
 */
export async function makeSelfSignedCert(hosts: readonly string[] = ["localhost", "127.0.0.1"]): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), "parley-cert-"));
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  try {
    // -x509 self-signs in one step; -nodes leaves the key unencrypted; 1 day is plenty for a test.
    await run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
      "-subj", `/CN=${hosts[0] ?? "localhost"}`, "-addext", `subjectAltName=${san}`,
    ]);
    const [key, cert] = await Promise.all([readFile(join(dir, "key.pem"), "utf8"), readFile(join(dir, "cert.pem"), "utf8")]);
    return { key, cert };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("makeSelfSignedCert needs the `openssl` CLI (OpenSSL 3) on PATH to make a test certificate", { cause: err });
    }
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TlsServerOptions extends ServerOptions {
  /** Serve this certificate instead of a fresh one. */
  tls?: SelfSignedCert;
  /**
   * Host written in `url` (the server always binds 127.0.0.1). Default "127.0.0.1", which the
   * certificate covers as an IP SAN; "localhost" exercises DNS-name verification and SNI.
   */
  host?: "127.0.0.1" | "localhost";
}

export interface TlsTestServer extends TestServer {
  /** PEM to pass as `ca` for the client to trust this server. */
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
}

/** `startServer` over https: a `wss://` URL, same options, commands and handle. */
export async function startTlsServer(opts: TlsServerOptions = {}): Promise<TlsTestServer> {
  const { tls, host = "127.0.0.1", ...rest } = opts;
  const pair = tls ?? (await makeSelfSignedCert());
  const server = await serveWebSocket(() => https.createServer({ key: pair.key, cert: pair.cert }), "wss", host, rest);
  return Object.assign(server, { ca: pair.cert, key: pair.key, cert: pair.cert });
}
