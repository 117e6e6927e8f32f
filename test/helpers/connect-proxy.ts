// A loopback HTTP CONNECT proxy and an `http.Agent` that tunnels through it: enough to test the
// client's `transportOpts.agent` without a proxy dependency. Users get `https-proxy-agent` & co.
import http from "node:http";
import type { ClientRequestArgs, IncomingMessage } from "node:http";
import type { RequestOptions as HttpsRequestOptions } from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";

export interface ConnectProxy {
  readonly url: string;
  readonly port: number;
  /** `host:port` of every tunnel opened, in order. */
  readonly targets: string[];
  /** `host:port` of every CONNECT refused (target not on loopback). */
  readonly refused: string[];
  close(): Promise<void>;
}

// Only loopback targets: the proxy must never become a way out of the machine.
const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost"]);

/** A CONNECT proxy on `http://127.0.0.1:<port>` that tunnels to loopback targets only. */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const targets: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.on("error", () => s.destroy());
    s.once("close", () => sockets.delete(s));
  };

  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    const target = req.url ?? "";
    const colon = target.lastIndexOf(":");
    const hostname = target.slice(0, colon);
    const port = Number(target.slice(colon + 1));
    if (colon < 0 || !ALLOWED_HOSTS.has(hostname) || !(port > 0 && port < 65536)) {
      refused.push(target);
      client.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    targets.push(target);
    // "localhost" is dialled as 127.0.0.1 so the tunnel cannot wander onto ::1 either.
    const upstream = net.connect(port, "127.0.0.1");
    track(upstream);
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    targets,
    refused,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ProxyAgentOptions {
  /** The target is `wss://`: run TLS over the tunnel. The agent then serves https requests only. */
  secure?: boolean;
}

/**
 * An `http.Agent` whose sockets are CONNECT tunnels through `proxyUrl`. `ws` passes `agent` to
 * `http.request`/`https.request`; Node then asks the agent's `createConnection` for the socket
 * (ws's own `createConnection` default is ignored when an agent is given).
 */
export class ProxyAgent extends http.Agent {
  readonly #proxy: URL;
  readonly #secure: boolean;

  constructor(proxyUrl: string, opts: ProxyAgentOptions = {}) {
    super({ keepAlive: false });
    this.#proxy = new URL(proxyUrl);
    this.#secure = opts.secure ?? false;
    // ClientRequest rejects an agent whose protocol differs from the request's
    // (ERR_INVALID_PROTOCOL), so a wss agent has to claim https.
    if (this.#secure) (this as { protocol?: string }).protocol = "https:";
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // The Agent ignores the stream argument when err is set.
    const fail = (err: Error): void => callback?.(err, undefined as never);
    const host = options.hostname ?? options.host ?? "localhost";
    const target = `${host}:${String(options.port ?? (this.#secure ? 443 : 80))}`;
    const req = http.request({
      host: this.#proxy.hostname,
      port: this.#proxy.port,
      method: "CONNECT",
      path: target,
      headers: { host: target },
      agent: false,
    });
    req.once("connect", (res: IncomingMessage, socket: net.Socket, head: Buffer) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(new Error(`proxy refused CONNECT ${target}: ${String(res.statusCode)} ${res.statusMessage ?? ""}`));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      callback?.(null, this.#secure ? wrapTls(socket, host, options) : socket);
    });
    req.once("error", fail);
    req.end();
    // Returning nothing tells the Agent the socket comes later, through the callback.
    return undefined;
  }
}

/** Shorthand for `new ProxyAgent(proxyUrl, opts)`, to pass as ws's `agent` option. */
export function proxyAgent(proxyUrl: string, opts?: ProxyAgentOptions): ProxyAgent {
  return new ProxyAgent(proxyUrl, opts);
}

function wrapTls(socket: net.Socket, host: string, options: ClientRequestArgs): tls.TLSSocket {
  // The request options carry ws's TLS settings (ca, rejectUnauthorized, servername ...).
  const o = options as HttpsRequestOptions;
  return tls.connect({
    socket,
    host,
    // SNI must not be an IP address (Node warns and drops it).
    servername: o.servername ?? (net.isIP(host) ? undefined : host),
    ...(o.ca !== undefined && { ca: o.ca }),
    ...(o.cert !== undefined && { cert: o.cert }),
    ...(o.key !== undefined && { key: o.key }),
    ...(o.rejectUnauthorized !== undefined && { rejectUnauthorized: o.rejectUnauthorized }),
  });
}
