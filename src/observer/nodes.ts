/**
 * The seam for distribution: the Observer shows nodes only when given a provider. The observer
 * room knows nothing of how nodes are connected; whatever runs distribution passes a function that
 * describes them (`Observer.start({ nodes })`).
 */

/** One node as the Observer's nodes panel shows it. */
export interface NodeView {
  /** The node's name, e.g. `"a@127.0.0.1"`. */
  readonly name: string;
  /** Its liveness as the distribution layer sees it, e.g. `"up"`, `"connecting"`, `"down"`. */
  readonly state: string;
  /** Anything else worth a glance (address, last heartbeat); shown as text. */
  readonly detail?: string;
}

/** What a nodes provider returns: this node, the others, and the global name table. */
export interface NodesView {
  /** This node's name. */
  readonly self: string;
  /** The other nodes known to this one. */
  readonly nodes: readonly NodeView[];
  /** The cluster-wide global names, `[name, holder]` as text (the holder's Pid or node). */
  readonly globalNames?: readonly (readonly [string, string])[];
}

/**
 * Describes the nodes when asked, once per Observer update (at most 4 times a second); it must
 * answer synchronously and quickly. A throw is shown on the page in place of the nodes.
 */
export type NodesProvider = () => NodesView;
