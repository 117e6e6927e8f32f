/**
 * A started node: its NATS connection, its membership, its heartbeats, and the subjects it
 * listens on. Loaded by `Node.start` only (dynamic import): it pulls in the NATS client and the codec.
 *
 * Liveness: every `heartbeatMs` the node publishes a heartbeat and declares down the peers it has
 * not heard from for `nodedownAfterMs`. A node that finds it was cut off for as long (the broker
 * was away, or a peer tells it that it was declared down, e.g. after its event loop stalled)
 * rejoins as a new incarnation: it declares every peer down, as they did with it, so both sides
 * agree on what died.
 */
import { randomInt } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { setDirectory, unreachable } from "../runtime/process/home.ts";
import type { Signal } from "../runtime/process/pid.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";
import { decode, decodeAll, encode } from "./codec.ts";
import { NodeError, WireError } from "./errors.ts";
import { Membership, type DownReason } from "./membership.ts";
import { nodeDown, nodeUp } from "./node-monitors.ts";
import type { Peer } from "./peer.ts";
import { joinWire, leaveWire, NODE_NAME } from "./remote-pids.ts";
import { signalArrived, signalBytes } from "./remote-signals.ts";
import { nodeChannels, publish } from "./telemetry.ts";
import { Subjects, Transport } from "./transport.ts";

/** Node.start's options, checked and with their defaults. */
export interface ClusterOptions {
  readonly servers: readonly string[];
  readonly cluster: string;
  readonly heartbeatMs: number;
  readonly nodedownAfterMs: number;
  readonly connectOptions: Record<string, unknown>;
  readonly connectTimeoutMs: number;
}

/** What the parts of distribution built on a started node (the global name table) see of it. */
export interface ClusterHandle {
  /** This node's name. */
  readonly node: string;
  /** This node's current incarnation (it changes when the node rejoins). */
  readonly incarnation: number;
  /** The options it started with. */
  readonly options: ClusterOptions;
  /** The NATS connection (for JetStream). */
  readonly connection: NatsConnection;
  /** The names of the other live nodes. */
  list(): string[];
  /** Calls `listener` for every node declared down, after its monitors fired. */
  onNodeDown(listener: (node: string, incarnation: number) => void): void;
  /** Calls `listener` when this node rejoined as a new incarnation after being cut off. */
  onRejoin(listener: (incarnation: number) => void): void;
}

/**
 * Connects, checks that `name` is not live in the cluster, and joins.
 * @throws NodeError `["unreachable", url]` or `["name_in_use", name]`.
 */
export async function startCluster(name: string, options: ClusterOptions): Promise<Cluster> {
  const transport = await Transport.open(options.servers, options.connectOptions, options.connectTimeoutMs, `parley:${options.cluster}:${name}`, Math.min(250, options.heartbeatMs));
  const cluster = new Cluster(name, options, transport);
  try {
    await cluster.join();
  } catch (err) {
    await transport.close();
    throw err;
  }
  return cluster;
}

/** A node that is part of a cluster. */
export class Cluster implements ClusterHandle {
  incarnation = newIncarnation();
  readonly subjects: Subjects;
  readonly membership: Membership;
  readonly #transport: Transport;
  readonly #downListeners: Array<(node: string, incarnation: number) => void> = [];
  readonly #rejoinListeners: Array<(incarnation: number) => void> = [];
  #inbox: { unsubscribe(): void } | undefined;
  #bounces: { unsubscribe(): void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastBeat = performance.now();
  #cutOffSince: number | undefined;
  #stopped = false;

  constructor(
    readonly node: string,
    readonly options: ClusterOptions,
    transport: Transport,
  ) {
    this.#transport = transport;
    this.subjects = new Subjects(options.cluster);
    this.membership = new Membership(node, options.nodedownAfterMs, (n, i) => this.subjects.node(n, i), this.#sendSignal, {
      up: (peer) => {
        publish(nodeChannels.up, { node: peer.node });
        nodeUp(peer.node);
      },
      down: (peer, reason) => this.#announceDown(peer, reason),
    });
  }

  get connection(): NatsConnection {
    return this.#transport.connection;
  }

  list(): string[] {
    return this.membership.list();
  }

  onNodeDown(listener: (node: string, incarnation: number) => void): void {
    this.#downListeners.push(listener);
  }

  onRejoin(listener: (incarnation: number) => void): void {
    this.#rejoinListeners.push(listener);
  }

  /** Checks the name, subscribes, installs the directory and greets the cluster. */
  async join(): Promise<void> {
    // Answer for the name before asking who has it: of two nodes starting under one name at the
    // same instant, the later question meets the earlier answerer, so never both start.
    this.#transport.subscribe(this.subjects.who(this.node), (_data, _subject, reply) => {
      if (reply !== undefined) this.#transport.publish(reply, encode(["hb", this.node, this.incarnation]));
    });
    await this.#transport.flush();
    const taken = await this.#transport.gather(this.subjects.who(this.node), encode(["who", this.node]), 20, 1000);
    if (taken.length > 0) throw new NodeError(["name_in_use", this.node]);
    this.#transport.subscribe(this.subjects.heartbeat, (data, subject, reply) => this.#beatArrived(data, subject, reply));
    this.#listen();
    setDirectory({ self: this.node, home: (node) => this.membership.live(node) ?? unreachable(node) });
    this.#transport.watch((event) => this.#linkChanged(event));
    await this.#greet();
    this.#lastBeat = performance.now();
    this.#timer = setInterval(() => this.#beat(), timerDelay(this.options.heartbeatMs));
    this.#timer.unref();
  }

  /** Leaves: says goodbye, declares every peer down here, and closes the connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#transport.publish(this.subjects.heartbeat, encode(["bye", this.node, this.incarnation]));
    this.membership.downAll("noconnection");
    await this.#transport.close();
    setDirectory(undefined);
    leaveWire();
  }

  /** Subscribes to this incarnation's subjects and makes its Pids and Refs crossable. */
  #listen(): void {
    this.#inbox?.unsubscribe();
    this.#bounces?.unsubscribe();
    joinWire(this.node, this.incarnation, this.membership.resolve);
    this.#inbox = this.#transport.subscribe(this.subjects.node(this.node, this.incarnation), (data, subject) => this.#signalArrived(data, subject));
    const bounces = this.subjects.bounces(this.node, this.incarnation);
    this.#bounces = this.#transport.bounces(bounces, (subject) => this.#bounced(subject.slice(bounces.length + 1)));
  }

  /**
   * A monitor or link found nobody listening on `target`'s subject ("node.incarnation"): that
   * incarnation is gone (killed, or cut off), so it is down now rather than after `nodedownAfterMs`.
   */
  #bounced(target: string): void {
    const dot = target.lastIndexOf(".");
    const incarnation = Number(target.slice(dot + 1));
    const peer = this.membership.known(target.slice(0, dot), incarnation);
    if (peer !== undefined) this.membership.declare(peer, "noconnection");
  }

  /** Asks every live node to answer at once, so `Node.list()` is right when `Node.start` resolves. */
  async #greet(): Promise<void> {
    const stall = Math.min(50, this.options.heartbeatMs);
    const answers = await this.#transport.gather(this.subjects.heartbeat, encode(["hello", this.node, this.incarnation]), stall, this.options.heartbeatMs * 2);
    for (const answer of answers) this.#beatArrived(answer, this.subjects.heartbeat, undefined);
  }

  #beat(): void {
    const now = performance.now();
    // This node stalled (a frozen event loop, SIGSTOP): the peers' heartbeats wait unread, so their
    // silence is ours. No sweep this time; a peer that declared this node down answers the
    // heartbeat with a notice, and the node rejoins then.
    const stalled = now - this.#lastBeat > this.options.nodedownAfterMs;
    this.#lastBeat = now;
    // Cut off from the broker, peers still fall silent: they are declared down as they would be.
    if (this.#cutOffSince === undefined) this.#transport.publish(this.subjects.heartbeat, encode(["hb", this.node, this.incarnation]));
    if (!stalled) this.membership.sweep();
  }

  #beatArrived(data: Uint8Array, subject: string, reply: string | undefined): void {
    let beat: unknown;
    try {
      beat = decode(data);
    } catch (err) {
      this.#dropped(subject, data.length, err);
      return;
    }
    if (!Array.isArray(beat) || beat.length !== 3 || !["hb", "hello", "bye"].includes(beat[0]) || !isNodeName(beat[1]) || !isIncarnation(beat[2])) {
      this.#dropped(subject, data.length, new TypeError(`not a heartbeat: ${String(beat)}`));
      return;
    }
    const [kind, node, incarnation] = beat as [string, string, number];
    if (kind === "bye") {
      this.membership.left(node, incarnation);
      return;
    }
    if (this.membership.heard(node, incarnation) === undefined) {
      // A node we declared down still beats: tell it, so it rejoins as a new incarnation.
      if (node !== this.node) this.#transport.publish(this.subjects.node(node, incarnation), encode(["fenced", this.node, this.incarnation, incarnation]));
      return;
    }
    if (kind === "hello" && reply !== undefined) this.#transport.publish(reply, encode(["hb", this.node, this.incarnation]));
  }

  #signalArrived(data: Uint8Array, subject: string): void {
    let envelopes: unknown[];
    try {
      envelopes = decodeAll(data);
    } catch (err) {
      this.#dropped(subject, data.length, err);
      return;
    }
    for (const envelope of envelopes) this.#envelopeArrived(envelope, subject, data.length);
  }

  #envelopeArrived(envelope: unknown, subject: string, size: number): void {
    if (!Array.isArray(envelope) || envelope.length < 3 || !isNodeName(envelope[1]) || !isIncarnation(envelope[2])) {
      this.#dropped(subject, size, new TypeError("not an envelope [kind, node, incarnation, ...]"));
      return;
    }
    if (envelope[0] === "fenced") {
      // Only for the incarnation it names: one that already rejoined ignores the notices still coming.
      if (envelope[3] === this.incarnation) this.#rejoin();
      return;
    }
    const peer = this.membership.heard(envelope[1], envelope[2]);
    if (peer === undefined) {
      publish(nodeChannels.dropped, { subject, size, kind: "fenced", detail: `from ${envelope[1]}, declared down` });
      return;
    }
    try {
      signalArrived(peer, envelope);
    } catch (err) {
      this.#dropped(subject, size, err);
    }
  }

  #sendSignal = (peer: Peer, signal: Signal): void => {
    const bytes = signalBytes(this.node, this.incarnation, signal);
    // A monitor (every call makes one) or a link to a node that died answers "no responders" at once.
    const watched = signal[0] === "monitor" || signal[0] === "link";
    this.#transport.queue(peer.subject, bytes, watched ? `${this.subjects.bounces(this.node, this.incarnation)}.${peer.node}.${peer.incarnation}` : undefined);
  };

  #linkChanged(event: "disconnected" | "reconnected"): void {
    if (event === "disconnected") {
      this.#cutOffSince ??= performance.now();
      return;
    }
    const since = this.#cutOffSince;
    this.#cutOffSince = undefined;
    if (since !== undefined && performance.now() - since > this.options.nodedownAfterMs) this.#rejoin();
    else this.#transport.publish(this.subjects.heartbeat, encode(["hb", this.node, this.incarnation]));
  }

  /**
   * Cut off for longer than the others wait: they declared this node down, so this node declares
   * them down too and comes back as a new incarnation.
   */
  #rejoin(): void {
    if (this.#stopped) return;
    this.membership.restart();
    this.incarnation = newIncarnation();
    this.#listen();
    this.#lastBeat = performance.now();
    for (const listener of this.#rejoinListeners) listener(this.incarnation);
    void this.#greet();
  }

  #announceDown(peer: Peer, reason: DownReason): void {
    publish(nodeChannels.down, { node: peer.node, reason });
    nodeDown(peer.node);
    for (const listener of this.#downListeners) listener(peer.node, peer.incarnation);
  }

  #dropped(subject: string, size: number, err: unknown): void {
    const kind = err instanceof WireError ? err.kind : "bad_envelope";
    publish(nodeChannels.dropped, { subject, size, kind, detail: err instanceof Error ? err.message : String(err) });
  }
}

function newIncarnation(): number {
  return randomInt(1, 2 ** 47);
}

function isNodeName(value: unknown): value is string {
  return typeof value === "string" && NODE_NAME.test(value);
}

function isIncarnation(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}
