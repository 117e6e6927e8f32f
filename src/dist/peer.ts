/**
 * One incarnation of another node, as this node sees it: the Home its Pids and Refs name. While it
 * is up, signals for its processes are encoded and published on its subject; once it is down it
 * stays down (a restarted node is another Peer), and answers as a node that is down does.
 */
import { answerAsDown, demonitorArrived, downArrived, downObject, forgetHome } from "../runtime/process/home.ts";
import type { Pid, Ref, Signal } from "../runtime/process/pid.ts";
import type { Proc } from "../runtime/process/process.ts";
import type { PeerHome } from "./remote-pids.ts";

/** Sends a signal to a peer: encodes it and publishes it on the peer's subject. */
export type SignalSender = (peer: Peer, signal: Signal) => void;

/** A node incarnation other than this one. */
export class Peer implements PeerHome {
  /** `up` until declared down; then for ever `down`. */
  state: "up" | "down" = "up";
  /** True once `parley:node:up` was published for it (it was heard from, not only named by a Pid). */
  announced = false;
  /** When it was last heard from (heartbeat or any message), `performance.now()` milliseconds. */
  lastSeen = performance.now();
  /** Monitors this node's processes (and calls) hold on its processes: ref → watcher and what DOWN names. */
  readonly outMonitors = new Map<Ref, { readonly watcher: Pid; readonly object: unknown }>();
  /** Monitors its processes hold on this node's processes: ref → target. */
  readonly inMonitors = new Map<Ref, Proc>();

  constructor(
    readonly node: string,
    readonly incarnation: number,
    readonly index: number,
    readonly subject: string,
    readonly send: SignalSender,
  ) {}

  route(signal: Signal): void {
    if (this.state === "down") {
      answerAsDown(this, signal);
      return;
    }
    switch (signal[0]) {
      case "monitor":
        this.outMonitors.set(signal[3], { watcher: signal[1], object: downObject(this, signal[2]) });
        break;
      case "demonitor":
        // Its DOWN already came (or the node went down): nothing left to take back there.
        if (!this.outMonitors.delete(signal[2])) return;
        break;
      case "down":
        this.inMonitors.delete(signal[2]);
        break;
      case "reply": {
        // A call's monitor ends with its reply on both sides (the caller drops its own when the
        // reply comes from this node), which saves the caller's demonitor.
        const target = this.inMonitors.get(signal[2]);
        if (target !== undefined) {
          this.inMonitors.delete(signal[2]);
          demonitorArrived(target, signal[2]);
        }
        break;
      }
    }
    this.send(this, signal);
  }

  /**
   * Declares it down: links to its processes break and monitors of them fire with
   * `"noconnection"`, calls waiting on it reject `["nodedown", node]`, and what its processes held
   * here is dropped. Later signals for it are answered as by a node that is down.
   */
  goDown(): void {
    if (this.state === "down") return;
    this.state = "down";
    this.inMonitors.clear();
    const monitors = [...this.outMonitors];
    this.outMonitors.clear();
    forgetHome(this);
    for (const [ref, { watcher, object }] of monitors) downArrived(watcher, ref, object, "noconnection");
  }
}
