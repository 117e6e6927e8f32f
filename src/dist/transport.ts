/**
 * The node's one NATS connection, and the cluster's subjects. One connection per node keeps every
 * sender→receiver pair in order (NATS delivers one publisher's messages to a subscriber in order).
 * Loaded only by `Node.start` (dynamic import), so a single-node program never loads the client.
 *
 * Subjects, all under `parley.<cluster>.`:
 * - `n.<node>.<incarnation>`: signals for one node incarnation (messages, links, monitors, replies);
 * - `hb`: heartbeats, hellos and goodbyes of every node;
 * - `who.<node>`: request/reply, answered by the live node of that name (name checks, probes);
 * - `b.<node>.<incarnation>.<peer>.<peerIncarnation>`: where the broker answers "no responders"
 *   when a monitor or link went to a peer incarnation that no longer listens (it died).
 */
import { connect, type NatsConnection, type Msg } from "@nats-io/transport-node";
import { redactUrl } from "../runtime/secrets.ts";
import { MAX_MESSAGE_BYTES } from "./codec.ts";
import { NodeError } from "./errors.ts";

/** The subjects of one cluster. */
export class Subjects {
  /** Every subject of the cluster starts with this. */
  readonly prefix: string;
  /** Heartbeats, hellos and goodbyes. */
  readonly heartbeat: string;
  constructor(cluster: string) {
    this.prefix = `parley.${cluster}.`;
    this.heartbeat = `${this.prefix}hb`;
  }
  /** Where one incarnation of a node receives its signals. */
  node(name: string, incarnation: number): string {
    return `${this.prefix}n.${name}.${incarnation}`;
  }
  /** Answered by the live node named `name`. */
  who(name: string): string {
    return `${this.prefix}who.${name}`;
  }
  /** Where "no responders" for signals of `name`'s `incarnation` come back (append `.<peer>.<inc>`). */
  bounces(name: string, incarnation: number): string {
    return `${this.prefix}b.${name}.${incarnation}`;
  }
}

/** What is queued for one subject: the encoded values in order, their total size, the reply subject. */
interface Batch {
  readonly parts: Uint8Array[];
  size: number;
  reply: string | undefined;
}

/** What the connection reports about itself. */
export type LinkEvent = "disconnected" | "reconnected";

/** A handler for the messages of one subject: the bytes, and the subject to answer on, if any. */
export type Handler = (data: Uint8Array, subject: string, reply: string | undefined) => void;

/**
 * The node's NATS connection.
 *
 * Signals are corked ({@link Transport.queue}): what is queued for one subject in one turn of the
 * event loop leaves as one NATS message, the values one after another, so a burst costs the client,
 * the broker and the receiver one message instead of one each. Every publish keeps the callers'
 * order on the connection: a direct {@link Transport.publish} first sends what is queued.
 */
export class Transport {
  readonly #nc: NatsConnection;
  // Insertion-ordered: flushed in the order the subjects were first queued to in this turn.
  readonly #queued = new Map<string, Batch>();
  #flushScheduled = false;

  private constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  /**
   * Connects to the first reachable of `servers`.
   * @throws NodeError `["unreachable", url]` when none answers within `timeoutMs`.
   */
  static async open(servers: readonly string[], options: Record<string, unknown>, timeoutMs: number, name: string, reconnectWaitMs: number): Promise<Transport> {
    try {
      const nc = await connect({
        ...options,
        servers: [...servers],
        name,
        timeout: timeoutMs,
        // Our own heartbeats would come back to us otherwise.
        noEcho: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: reconnectWaitMs,
        reconnectJitter: 0,
        pingInterval: Math.max(1000, reconnectWaitMs * 4),
      });
      return new Transport(nc);
    } catch (err) {
      // The URLs may carry credentials (nats://user:pass@host): the error names them redacted.
      throw new NodeError(["unreachable", servers.map(redactUrl).join(",")], { cause: err });
    }
  }

  /** The NATS connection, for JetStream users (the global name table). */
  get connection(): NatsConnection {
    return this.#nc;
  }

  /** Publishes `data` (never reused by the caller: the client keeps a reference until it flushes). */
  publish(subject: string, data: Uint8Array, reply?: string): void {
    this.flushQueued();
    this.#publishNow(subject, data, reply);
  }

  /**
   * Publishes `data` (one encoded value, never reused by the caller) with what else is queued for
   * `subject` in this turn, as one message of at most `MAX_MESSAGE_BYTES`, at the end of the turn.
   * A message with a `reply` subject carries it for the whole batch: a batch nobody receives is
   * answered "no responders" as the one message would have been.
   */
  queue(subject: string, data: Uint8Array, reply?: string): void {
    let batch = this.#queued.get(subject);
    if (batch !== undefined && (batch.size + data.length > this.#limit() || (reply !== undefined && batch.reply !== undefined && reply !== batch.reply))) {
      this.flushQueued();
      batch = undefined;
    }
    if (data.length > this.#limit()) {
      // Too large to share a message: alone, now (the client refuses it as it always did).
      this.publish(subject, data, reply);
      return;
    }
    if (batch === undefined) this.#queued.set(subject, (batch = { parts: [], size: 0, reply: undefined }));
    batch.parts.push(data);
    batch.size += data.length;
    batch.reply ??= reply;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.flushQueued());
    }
  }

  /** Publishes what is queued now, in order. */
  flushQueued(): void {
    this.#flushScheduled = false;
    if (this.#queued.size === 0) return;
    for (const [subject, { parts, size, reply }] of this.#queued) {
      // A fresh buffer per publish: the client keeps a reference until it writes.
      this.#publishNow(subject, parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), reply);
    }
    this.#queued.clear();
  }

  #publishNow(subject: string, data: Uint8Array, reply: string | undefined): void {
    // Closed (the node stopped while an answer was on its way): lost, as any message may be.
    if (this.#nc.isClosed() || this.#nc.isDraining()) return;
    this.#nc.publish(subject, data, reply === undefined ? undefined : { reply });
  }

  // The broker's own limit, when lower than ours.
  #limit(): number {
    return Math.min(MAX_MESSAGE_BYTES, this.#nc.info?.max_payload ?? MAX_MESSAGE_BYTES);
  }

  /** Calls `handler` for every message on `subject`, in arrival order, until the connection closes. */
  subscribe(subject: string, handler: Handler): { unsubscribe(): void } {
    return this.#nc.subscribe(subject, {
      callback: (err: Error | null, msg: Msg) => {
        if (err === null) handler(msg.data, msg.subject, msg.reply);
      },
    });
  }

  /**
   * Calls `handler` with the subject of every "no responders" answer (status 503) arriving under
   * `prefix` (a message published with such a reply subject found no subscriber).
   */
  bounces(prefix: string, handler: (subject: string) => void): { unsubscribe(): void } {
    return this.#nc.subscribe(`${prefix}.>`, {
      callback: (err: Error | null, msg: Msg) => {
        if (err === null && msg.data.length === 0 && msg.headers?.code === 503) handler(msg.subject);
      },
    });
  }

  /**
   * Sends a request and collects the answers that arrive until none came for `stallMs` (at most
   * `maxWaitMs`); no responders gives none.
   */
  async gather(subject: string, data: Uint8Array, stallMs: number, maxWaitMs: number): Promise<Uint8Array[]> {
    const answers: Uint8Array[] = [];
    this.flushQueued();
    try {
      const replies = await this.#nc.requestMany(subject, data, { strategy: "stall", stall: stallMs, maxWait: maxWaitMs });
      for await (const msg of replies) {
        // The end of a no-responders exchange is an empty status message.
        if (msg.data.length > 0) answers.push(msg.data);
      }
    } catch {
      // No responders, or the connection went away: nobody answered.
    }
    return answers;
  }

  /** Waits until the server has seen everything published so far. */
  flush(): Promise<void> {
    this.flushQueued();
    return this.#nc.flush();
  }

  /** Calls `listener` when the connection to the broker is lost and when it is back. */
  watch(listener: (event: LinkEvent) => void): void {
    void (async () => {
      for await (const status of this.#nc.status()) {
        if (status.type === "disconnect") listener("disconnected");
        else if (status.type === "reconnect") listener("reconnected");
      }
    })();
  }

  /** Sends what is queued and closes. */
  async close(): Promise<void> {
    this.flushQueued();
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }
}
