/**
 * Distribution's diagnostics channels: a node came up or went down (as this node sees it), and a
 * message from the cluster was dropped because it did not decode or made no sense.
 *
 * @example
 * ```ts
 * import diagnostics_channel from "node:diagnostics_channel";
 * diagnostics_channel.subscribe("parley:node:down", (event) => {
 *   const { node, reason } = event as NodeDownEvent;
 * });
 * ```
 */
import diagnostics_channel from "node:diagnostics_channel";

/** `parley:node:up`: another node joined the cluster, or came back as a new incarnation. */
export interface NodeUpEvent {
  /** Its name. */
  readonly node: string;
}

/**
 * `parley:node:down`: another node is gone for this one: `"noconnection"` when its heartbeats
 * stopped for `nodedownAfterMs` (or this node lost the broker for as long), `"stopped"` when it
 * left with `Node.stop`, `"restarted"` when a new incarnation of it appeared.
 */
export interface NodeDownEvent {
  /** Its name. */
  readonly node: string;
  /** Why, as above. */
  readonly reason: string;
}

/**
 * `parley:node:dropped`: a message on this cluster's subjects was dropped: bytes that do not
 * decode, or a message whose fields make no sense (a hostile or corrupted peer). The node stays up.
 */
export interface NodeDroppedEvent {
  /** The subject it arrived on. */
  readonly subject: string;
  /** Its size in bytes. */
  readonly size: number;
  /** What kind of drop: the `WireError` kind (`"malformed"`, `"too_large"`), `"bad_envelope"` or `"fenced"`. */
  readonly kind: string;
  /** What was wrong. */
  readonly detail: string;
}

/** The channels, created once at load. */
export const nodeChannels = {
  /** {@link NodeUpEvent} */
  up: diagnostics_channel.channel("parley:node:up"),
  /** {@link NodeDownEvent} */
  down: diagnostics_channel.channel("parley:node:down"),
  /** {@link NodeDroppedEvent} */
  dropped: diagnostics_channel.channel("parley:node:dropped"),
};

/** Publishes `event` on `channel` when someone listens. */
export function publish(channel: diagnostics_channel.Channel, event: NodeUpEvent | NodeDownEvent | NodeDroppedEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}
