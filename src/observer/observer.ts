/**
 * The Observer: a live web view of the processes, supervision trees, clients and nodes, served by
 * the library itself, after Erlang's `observer` and Phoenix LiveDashboard.
 */
import { type CheckedOptions, checkOptions, type ObserverOptions } from "./options.ts";
import { ObserverServer } from "./server.ts";

/** A running Observer. */
export interface ObserverHandle {
  /** The page's address, e.g. `"http://127.0.0.1:41234/"` (without the token). */
  readonly url: string;
  /** Closes the page's sockets and the server, and stops sampling. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A live web view of this program, in the spirit of Erlang's `:observer`.
 *
 * @example
 * ```ts
 * const observer = await Observer.start({ token: process.env.OBSERVER_TOKEN });
 * console.log(`observer on ${observer.url}`); // open it, add #token=… to act
 * // ...
 * await observer.close();
 * ```
 *
 * @remarks
 * One page and one WebSocket, both served from `url`. The page shows, updated at most 4 times a
 * second while it is open:
 * - the supervision trees: each supervisor's strategy, restarts within its window, and children
 *   with their state; the registered and global names;
 * - every process (the 500 with the largest mailboxes past 500, supervisors always): pid, name,
 *   module, a state machine's state, mailbox length, messages handled per second, the last
 *   callback and how long it ran as far as the 4-a-second samples saw, links and monitors; a click
 *   opens the process's page;
 * - every WebSocket client: URL (redacted as in `Parley.status`), connection state, attempt,
 *   queued frames, frames in and out per second with sparklines, the last disconnect reason;
 * - the nodes and the global name table, when a `nodes` provider is given;
 * - the `parley:*` telemetry (except the per-frame channels), with a filter.
 *
 * Actions (kill with a reason, `sys.suspend`/`resume`, `sys.trace` on/off, client
 * disconnect/connect) are taken only when the Observer has a `token` and the page sends it.
 *
 * Cost: nothing runs until a page is open. Then each round reads every live process once (a few
 * fields) and describes the processes shown; messages are only counted, as they always are.
 *
 * Security: binds 127.0.0.1 by default and refuses a non-loopback `host` without a `token`; the
 * WebSocket accepts only the page's own origin; values go through the same redaction as crash
 * reports, client URLs as `Parley.status` shows them, and header values never leave the client.
 *
 * @throws OptionsError (rejected) for a bad option, naming it; a non-loopback host without a token.
 *   The listen error (`EADDRINUSE`, ...) when the port cannot be had.
 */
export const Observer = {
  /** Starts serving the page; resolves once it listens. */
  async start(options?: ObserverOptions): Promise<ObserverHandle> {
    const checked: CheckedOptions = checkOptions(options);
    const server = await ObserverServer.start(checked);
    return { url: server.url, close: () => server.close() };
  },
};

export type { ObserverOptions } from "./options.ts";
export type { NodesProvider, NodesView, NodeView } from "./nodes.ts";
