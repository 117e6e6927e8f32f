/**
 * The Observer's server: one HTTP server for the page's files and one WebSocket (our own `ws`
 * server, on `/ws`) per open page. While at least one page is open, a round of sampling runs
 * every 250 ms and the same update goes to every page; with no page open nothing runs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { getLogger } from "../runtime/logger.ts";
import { runAction } from "./actions.ts";
import { type Asset, loadAssets, PAGE_HEADERS } from "./assets.ts";
import { TelemetryFeed } from "./feed.ts";
import type { CheckedOptions } from "./options.ts";
import { allowedOrigins } from "./origin.ts";
import { forPage } from "./redaction.ts";
import { Sampler } from "./sampler.ts";
import type { ActionResult, Hello } from "./wire.ts";

/** Between two updates: at most 4 a second. */
export const UPDATE_MS = 250;
/** Most processes listed in one update. */
const PROCESS_LIMIT = 500;
/** A page that has not read this much of its updates is skipped until it catches up. */
const MAX_BUFFERED = 1 << 20;
/** Action requests are small; anything bigger is a hostile or broken page. */
const MAX_MESSAGE = 16 * 1024;

export class ObserverServer {
  readonly #pages = new Set<WebSocket>();
  readonly #feed = new TelemetryFeed();
  readonly #sampler: Sampler;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });
  #origins: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined = undefined;
  #lastUpdate = -Infinity;
  #closed: Promise<void> | undefined = undefined;

  private constructor(
    readonly options: CheckedOptions,
    readonly assets: ReadonlyMap<string, Asset>,
    readonly http: Server,
  ) {
    this.#sampler = new Sampler(PROCESS_LIMIT, options.nodes);
  }

  /** Listens on the options' host and port; rejects with the listen error (a port in use...). */
  static async start(options: CheckedOptions): Promise<ObserverServer> {
    const assets = await loadAssets();
    const http = createServer();
    const server = new ObserverServer(options, assets, http);
    http.on("request", (req, res) => server.#serve(req, res));
    http.on("upgrade", (req, socket, head) => server.#upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port, options.host, () => {
        http.off("error", reject);
        resolve();
      });
    });
    server.#origins = allowedOrigins(options.host, server.port);
    server.#feed.start();
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The page's address. */
  get url(): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}/`;
  }

  /** Closes every page's socket and the server; later calls wait for the same close. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      clearInterval(this.#timer);
      this.#feed.stop();
      for (const ws of this.#pages) ws.terminate();
      this.#wss.close();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    return this.#closed;
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0]!;
    const asset = this.assets.get(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (asset === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...PAGE_HEADERS }).end("not found\n");
    } else {
      res.writeHead(200, { "content-type": asset.type, "content-length": asset.body.length, ...PAGE_HEADERS });
      res.end(req.method === "HEAD" ? undefined : asset.body);
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?")[0];
    const origin = req.headers.origin;
    if (this.#closed !== undefined || path !== "/ws" || origin === undefined || !this.#origins.has(origin)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws));
  }

  #open(ws: WebSocket): void {
    this.#pages.add(ws);
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      this.#pages.delete(ws);
      if (this.#pages.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    });
    ws.on("message", (data, isBinary) => this.#receive(ws, data, isBinary));
    const hello: Hello = { type: "hello", actions: this.options.token !== undefined, events: this.#feed.recent() };
    ws.send(JSON.stringify(hello));
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#update(), UPDATE_MS);
      // The first page gets its view at once, unless an update just went out.
      if (performance.now() - this.#lastUpdate >= UPDATE_MS) this.#update();
    }
  }

  /** One round: sample, then the same message to every page that keeps up. */
  #update(): void {
    this.#lastUpdate = performance.now();
    let json: string;
    try {
      json = JSON.stringify({ ...this.#sampler.sample(this.#lastUpdate), events: this.#feed.takeNew() });
    } catch (err) {
      // A sampling bug must not take the program down; the page keeps its last view.
      getLogger().warn({ err: forPage(err) }, "observer: sampling failed");
      return;
    }
    for (const ws of this.#pages) {
      if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MAX_BUFFERED) ws.send(json);
    }
  }

  /** An action request from a page; anything else is answered with what was wrong. */
  #receive(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(String(data));
    } catch {
      msg = undefined;
    }
    if (msg === null || typeof msg !== "object" || (msg as { type?: unknown }).type !== "action") {
      const reply: ActionResult = { type: "result", id: 0, ok: false, message: "expected a JSON action request" };
      ws.send(JSON.stringify(reply));
      return;
    }
    void runAction(msg as Record<string, unknown>, this.options.token).then((result) => {
      if (result.ok) this.#feed.add("observer:action", result.message);
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(result));
    });
  }
}
