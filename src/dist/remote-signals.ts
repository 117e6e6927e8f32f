/**
 * Signals between nodes as envelopes: `[kind, senderNode, senderIncarnation, ...fields, payload]`.
 * `signalBytes` encodes what the runtime routes to a Peer; `signalArrived` checks an envelope from
 * a peer field by field (a hostile peer gets its message dropped, never a crash) and hands it to
 * the runtime's seam (`home.ts`). The user's part of a message is always the last element, so an
 * `EncodeError` names its path from the message itself.
 */
import { formatTerm } from "../runtime/format-term.ts";
import { putTogether, takeApart } from "../runtime/process/crossing.ts";
import {
  demonitorArrived,
  downArrived,
  exitArrived,
  linkArrived,
  monitorArrived,
  selfNode,
  unlinkArrived,
} from "../runtime/process/home.ts";
import { CALL_SLOT, Pid, Ref, type Signal } from "../runtime/process/pid.ts";
import { deliver, lookup, type Proc } from "../runtime/process/process.ts";
import { resolveProc } from "../runtime/names/names.ts";
import { encodeEnvelope } from "./codec.ts";
import { EncodeError, type EncodeErrorKind } from "./errors.ts";
import type { Peer } from "./peer.ts";

/** Envelope kinds, as numbers on the wire. */
const Kind = { send: 0, link: 1, unlink: 2, exit: 3, monitor: 4, demonitor: 5, down: 6, reply: 7, unsent: 8 } as const;
const ENCODE_KINDS: ReadonlySet<string> = new Set<EncodeErrorKind>(["unsupported", "cycle", "too_deep", "too_large"]);

/**
 * Encodes `signal` from this node (`node`, `incarnation`).
 * @throws EncodeError when a message or a reply cannot cross (nothing is sent). An exit or DOWN
 *   reason that cannot cross is sent as its printed form instead: the exit itself must arrive.
 */
export function signalBytes(node: string, incarnation: number, signal: Signal): Uint8Array {
  switch (signal[0]) {
    case "send": {
      const [name, payload] = takeApart(signal[2]);
      if (name === null) return encodeEnvelope([Kind.send, node, incarnation, signal[1], null], payload);
      // A request's parts end with the user's value: it goes last, so an EncodeError's path is its own.
      const parts = payload as unknown[];
      return encodeEnvelope([Kind.send, node, incarnation, signal[1], name, ...parts.slice(0, -1)], parts[parts.length - 1]);
    }
    case "link":
      return encodeEnvelope([Kind.link, node, incarnation, signal[1], signal[2]], undefined);
    case "unlink":
      return encodeEnvelope([Kind.unlink, node, incarnation, signal[1], signal[2]], undefined);
    case "exit":
      return withReason([Kind.exit, node, incarnation, signal[1], signal[2], signal[4]], signal[3]);
    case "monitor":
      return encodeEnvelope([Kind.monitor, node, incarnation, signal[1], signal[2], signal[3]], undefined);
    case "demonitor":
      return encodeEnvelope([Kind.demonitor, node, incarnation, signal[1], signal[2]], undefined);
    case "down":
      return withReason([Kind.down, node, incarnation, signal[1], signal[2]], signal[3]);
    case "reply":
      try {
        return encodeEnvelope([Kind.reply, node, incarnation, signal[1], signal[2]], signal[3]);
      } catch (err) {
        // A reply that cannot cross fails the call, not the server that made it.
        if (!(err instanceof EncodeError)) throw err;
        return encodeEnvelope([Kind.unsent, node, incarnation, signal[1], signal[2], err.path, err.kind], formatTerm(err.value, 1));
      }
  }
}

/**
 * Acts on an envelope from `peer` (already decoded, its sender checked).
 * @throws TypeError naming the field when the envelope is not one this node sends.
 */
export function signalArrived(peer: Peer, envelope: readonly unknown[]): void {
  const kind = envelope[0];
  const payload = envelope[envelope.length - 1];
  switch (kind) {
    case Kind.send: {
      if (envelope.length < 6) throw new TypeError(`a send has at least 6 fields, not ${envelope.length}`);
      const to = envelope[3];
      const msg = envelope[4] === null ? (expectLength(envelope, 6), payload) : putTogether(envelope[4], envelope.slice(5));
      const proc = typeof to === "string" ? resolveProc(to) : lookup(localPid(to, "to"));
      if (proc !== undefined) deliver(proc, msg);
      return;
    }
    case Kind.link:
      expectLength(envelope, 6);
      linkArrived(peerPid(envelope[3], peer, "from"), localPid(envelope[4], "to"));
      return;
    case Kind.unlink:
      expectLength(envelope, 6);
      unlinkArrived(peerPid(envelope[3], peer, "from"), localPid(envelope[4], "to"));
      return;
    case Kind.exit:
      expectLength(envelope, 7);
      if (typeof envelope[5] !== "boolean") throw new TypeError(`exit: link must be a boolean, not ${String(envelope[5])}`);
      exitArrived(peerPid(envelope[3], peer, "from"), localPid(envelope[4], "to"), payload, envelope[5]);
      return;
    case Kind.monitor: {
      expectLength(envelope, 7);
      const watcher = peerPid(envelope[3], peer, "watcher");
      const to = envelope[4];
      const ref = peerRef(envelope[5], peer);
      const target: Proc | undefined = typeof to === "string" ? resolveProc(to) : lookup(localPid(to, "to"));
      if (target?.alive === true) peer.inMonitors.set(ref, target);
      monitorArrived(watcher, target, ref);
      return;
    }
    case Kind.demonitor: {
      expectLength(envelope, 6);
      peerPid(envelope[3], peer, "watcher");
      const ref = peerRef(envelope[4], peer);
      const target = peer.inMonitors.get(ref);
      if (target === undefined) return;
      peer.inMonitors.delete(ref);
      demonitorArrived(target, ref);
      return;
    }
    case Kind.down: {
      expectLength(envelope, 6);
      const watcher = localPid(envelope[3], "watcher");
      const ref = localRef(envelope[4]);
      const monitor = peer.outMonitors.get(ref);
      // A DOWN for a monitor already taken back (or never made) is stale: dropped.
      if (monitor === undefined || monitor.watcher !== watcher) return;
      peer.outMonitors.delete(ref);
      downArrived(watcher, ref, monitor.object, payload);
      return;
    }
    case Kind.reply: {
      expectLength(envelope, 6);
      localPid(envelope[3], "to");
      const tag = localRef(envelope[4]);
      // The replying node dropped the call's monitor as it replied (see Peer.route).
      peer.outMonitors.delete(tag);
      tag[CALL_SLOT]?.settle(payload);
      return;
    }
    case Kind.unsent: {
      expectLength(envelope, 8);
      localPid(envelope[3], "to");
      const tag = localRef(envelope[4]);
      const [path, why] = [envelope[5], envelope[6]];
      if (typeof path !== "string" || typeof why !== "string" || !ENCODE_KINDS.has(why) || typeof payload !== "string") {
        throw new TypeError(`an unsent reply needs a path, a kind and the value's text, not ${String(path)}, ${String(why)}`);
      }
      peer.outMonitors.delete(tag);
      tag[CALL_SLOT]?.fail(new EncodeError(payload, path, why as EncodeErrorKind, `the reply from ${peer.node} cannot cross`));
      return;
    }
    default:
      throw new TypeError(`unknown signal kind ${String(kind)}`);
  }
}

function withReason(head: readonly unknown[], reason: unknown): Uint8Array {
  try {
    return encodeEnvelope(head, reason);
  } catch (err) {
    if (!(err instanceof EncodeError)) throw err;
    return encodeEnvelope(head, formatTerm(reason));
  }
}

function expectLength(envelope: readonly unknown[], length: number): void {
  if (envelope.length !== length) throw new TypeError(`signal kind ${String(envelope[0])} has ${envelope.length} fields, not ${length}`);
}

/** A Pid of this node: of its current incarnation, or of an earlier one (dead here, as Erlang's are). */
function localPid(value: unknown, field: string): Pid {
  if (value instanceof Pid && (value.home === undefined || value.home.node === selfNode())) return value;
  throw new TypeError(`${field} must be a Pid of this node, not ${String(value)}`);
}

function peerPid(value: unknown, peer: Peer, field: string): Pid {
  if (value instanceof Pid && value.home === peer) return value;
  throw new TypeError(`${field} must be a Pid of ${peer.node}, not ${String(value)}`);
}

function localRef(value: unknown): Ref {
  if (value instanceof Ref && (value.home === undefined || value.home.node === selfNode())) return value;
  throw new TypeError(`ref must be a Ref of this node, not ${String(value)}`);
}

function peerRef(value: unknown, peer: Peer): Ref {
  if (value instanceof Ref && value.home === peer) return value;
  throw new TypeError(`ref must be a Ref of ${peer.node}, not ${String(value)}`);
}
