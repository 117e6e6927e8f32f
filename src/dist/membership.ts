/**
 * Which node incarnations are up, as this node sees them. A peer is up while it is heard from
 * (heartbeats, or any message) at least every `nodedownAfterMs`; it goes down when it falls
 * silent, says goodbye, or a new incarnation of its name is heard. Down is for ever: a node that
 * comes back is a new incarnation (a new Peer), and the old one's Pids stay dead.
 */
import { Peer, type SignalSender } from "./peer.ts";

/** Why a peer went down, as `parley:node:down` reports it. */
export type DownReason = "noconnection" | "stopped" | "restarted";

/**
 * Down incarnations remembered to fence their Pids and messages, newest kept. A cluster sees a few
 * per restart of a node; a hostile peer naming endless fake incarnations would otherwise grow the
 * table for ever. An incarnation forgotten this way and heard again counts as new: that takes a
 * node frozen through thousands of restarts elsewhere, or a peer that could do worse anyway.
 */
export const MAX_DOWN = 4_096;

/** What membership tells the node about. */
export interface MembershipEvents {
  up(peer: Peer): void;
  down(peer: Peer, reason: DownReason): void;
}

/** The peers of one started node. */
export class Membership {
  /** Every incarnation ever named here, down ones included: they fence stale Pids. */
  readonly #peers = new Map<string, Peer>();
  /** The live incarnation of each node name. */
  readonly #live = new Map<string, Peer>();
  /** The down ones among #peers, in the order they went down (see MAX_DOWN). */
  readonly #down = new Map<string, Peer>();
  #nextIndex = 1;
  #lastHeard: Peer | undefined;

  constructor(
    /** This node's name: an incarnation of it other than ours is always down. */
    readonly self: string,
    readonly nodedownAfterMs: number,
    readonly subjectOf: (node: string, incarnation: number) => string,
    readonly send: SignalSender,
    readonly events: MembershipEvents,
  ) {}

  /**
   * The Peer of `node`'s `incarnation`, made on first sight (a Pid or Ref naming it): an
   * incarnation that is never heard from goes down after `nodedownAfterMs`.
   */
  resolve = (node: string, incarnation: number): Peer => {
    const key = keyOf(node, incarnation);
    let peer = this.#peers.get(key);
    if (peer === undefined) {
      peer = new Peer(node, incarnation, this.#nextIndex++, this.subjectOf(node, incarnation), this.send);
      this.#peers.set(key, peer);
      // An older incarnation of this very node: nothing of it lives any more.
      if (node === this.self) {
        peer.state = "down";
        this.#remember(key, peer);
      }
    }
    return peer;
  };

  /** The live Peer of `node`, if any has been heard from. */
  live(node: string): Peer | undefined {
    const peer = this.#live.get(node);
    return peer?.state === "up" ? peer : undefined;
  }

  /**
   * `node`'s `incarnation` was heard from. Returns its Peer, or undefined when that incarnation was
   * declared down (fenced: its messages are dropped).
   */
  heard(node: string, incarnation: number): Peer | undefined {
    // Most messages come in runs from one peer: skip the lookup (and its key string) for those.
    const last = this.#lastHeard;
    if (last !== undefined && last.incarnation === incarnation && last.node === node && last.state === "up") {
      last.lastSeen = performance.now();
      return last;
    }
    if (node === this.self) return undefined;
    const peer = this.resolve(node, incarnation);
    if (peer.state === "down") return undefined;
    peer.lastSeen = performance.now();
    const live = this.#live.get(node);
    if (live !== peer) {
      if (live !== undefined) this.declare(live, "restarted");
      this.#live.set(node, peer);
    }
    if (!peer.announced) {
      peer.announced = true;
      this.events.up(peer);
    }
    this.#lastHeard = peer;
    return peer;
  }

  /** `node`'s `incarnation` said goodbye (`Node.stop`). */
  left(node: string, incarnation: number): void {
    const peer = this.#peers.get(keyOf(node, incarnation));
    if (peer !== undefined) this.declare(peer, "stopped");
  }

  /** Declares down every peer silent for longer than `nodedownAfterMs`. */
  sweep(): void {
    const now = performance.now();
    for (const peer of this.#peers.values()) {
      if (peer.state === "up" && now - peer.lastSeen > this.nodedownAfterMs) this.declare(peer, "noconnection");
    }
  }

  /** Declares every peer down (this node leaves, or lost the cluster for too long). */
  downAll(reason: DownReason): void {
    for (const peer of this.#peers.values()) this.declare(peer, reason);
  }

  /**
   * Declares every peer down and forgets them: this node was cut off and rejoins, so the fault was
   * its own; a peer heard again under the same incarnation gets a new Peer (its old Pids stay dead
   * with the old one, the new ones reach it).
   */
  restart(): void {
    this.downAll("noconnection");
    this.#peers.clear();
    this.#live.clear();
    this.#down.clear();
    this.#lastHeard = undefined;
  }

  /** The names of the nodes that are up and were heard from. */
  list(): string[] {
    const names: string[] = [];
    for (const [node, peer] of this.#live) if (peer.state === "up" && peer.announced) names.push(node);
    return names;
  }

  /** The Peer of `node`'s `incarnation` if it was ever named here. */
  known(node: string, incarnation: number): Peer | undefined {
    return this.#peers.get(keyOf(node, incarnation));
  }

  declare(peer: Peer, reason: DownReason): void {
    if (peer.state === "down") return;
    peer.goDown();
    this.#remember(keyOf(peer.node, peer.incarnation), peer);
    if (this.#live.get(peer.node) === peer) this.#live.delete(peer.node);
    if (peer.announced) this.events.down(peer, reason);
  }

  /** Keeps a down peer for fencing; beyond MAX_DOWN the one that went down first is forgotten. */
  #remember(key: string, peer: Peer): void {
    this.#down.set(key, peer);
    if (this.#down.size <= MAX_DOWN) return;
    const [oldKey, old] = this.#down.entries().next().value!;
    this.#down.delete(oldKey);
    if (this.#peers.get(oldKey) === old) this.#peers.delete(oldKey);
  }
}

/** A node incarnation's key in the tables. */
function keyOf(node: string, incarnation: number): string {
  return `${node}:${incarnation}`;
}
