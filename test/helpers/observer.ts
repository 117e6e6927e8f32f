// A page's side of the Observer's WebSocket, from Node: what the browser's page does, without the
// browser, for the server tests. Messages are kept in order; `next` waits for the first one, not
// yet taken, that matches.
import WebSocket from "ws";
import type { ActionResult, Hello, Update } from "../../src/observer/wire.ts";

export type ServerMessage = Hello | Update | ActionResult;

export class PageSocket {
  readonly #queue: ServerMessage[] = [];
  readonly #waiters = new Set<() => void>();
  #nextId = 1;
  /** Every message, in order, including those taken. */
  readonly all: ServerMessage[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      this.all.push(msg);
      this.#queue.push(msg);
      for (const wake of this.#waiters) wake();
    });
  }

  /** Opens the Observer at `url` (its page URL) with the page's own origin unless told otherwise. */
  static open(url: string, origin: string | null = new URL(url).origin): Promise<PageSocket> {
    const ws = new WebSocket(new URL("/ws", url).href.replace(/^http/, "ws"), origin === null ? {} : { origin });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new PageSocket(ws)));
      ws.once("unexpected-response", (req, res) => {
        req.destroy();
        reject(new Error(`upgrade refused: ${res.statusCode}`));
      });
      ws.on("error", reject);
    });
  }

  /** The next message matching `pred` (taken from the queue); rejects after `timeoutMs`. */
  next<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.#queue.findIndex(pred);
        if (i === -1) return false;
        const [msg] = this.#queue.splice(i, 1);
        this.#waiters.delete(wake);
        clearTimeout(timer);
        resolve(msg as T);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.all.at(-1))?.slice(0, 400)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(wake);
    });
  }

  /** The next update for which `pred` holds. */
  update(pred: (u: Update) => boolean = () => true, timeoutMs = 3000): Promise<Update> {
    return this.next((m): m is Update => m.type === "update" && pred(m), timeoutMs);
  }

  /** Sends an action request and waits for its result. */
  act(request: Record<string, unknown>): Promise<ActionResult> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ type: "action", id, ...request }));
    return this.next((m): m is ActionResult => m.type === "result" && m.id === id);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status the Observer answers an upgrade with `origin` (null: no Origin header) and `path`. */
export function upgradeStatus(url: string, origin: string | null, path = "/ws"): Promise<number> {
  const ws = new WebSocket(new URL(path, url).href.replace(/^http/, "ws"), origin === null ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.once("unexpected-response", (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on("error", reject);
  });
}
