/**
 * The errors of distribution: a node that cannot start or act (`NodeError`), a message that cannot
 * cross to another node (`EncodeError`, at the sender), and bytes from the cluster that do not
 * decode (`WireError`, at the receiver, where the message is dropped and reported). Each carries a
 * stable `code` beside its `name`; `EncodeError` and `WireError` say what went wrong in `kind`.
 */
import { ParleyError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";

/**
 * A node operation that failed: `Node.start` with a bad name, twice, against an unreachable broker
 * or under a name already live in the cluster; an operation that needs a started node.
 *
 * `reason` is an Erlang-style term, as Erlang's `net_kernel` would give it.
 */
export class NodeError extends ParleyError {
  /** Always `"NodeError"`. */
  override readonly name = "NodeError" as const;
  /** Always `"ERR_NODE"`. */
  readonly code = "ERR_NODE" as const;
  constructor(
    /**
     * Why: `["bad_name", name]`, `"already_started"`, `["unreachable", url]`,
     * `["name_in_use", name]`, or `["name_table_unreachable", name]` (a global name's claim could
     * not be decided: no JetStream quorum).
     */
    readonly reason: unknown,
    options?: { cause?: unknown },
  ) {
    super(`node error: ${formatTerm(reason)}`, options);
  }
}

/** Why a value could not be encoded for another node. */
export type EncodeErrorKind =
  /** A function, symbol, class instance or other value outside what crosses. */
  | "unsupported"
  /** A value that contains itself. */
  | "cycle"
  /** Nested deeper than the codec's depth limit. */
  | "too_deep"
  /** Encoded, larger than the message size limit. */
  | "too_large";

/**
 * A message for another node holds something that cannot cross (see API §7 "What crosses"):
 * thrown by the sender before anything is sent. `path` points at the offending value inside the
 * message, `$` being the message itself: `$[2].payload`, `$<Map>[0].value`.
 */
export class EncodeError extends ParleyError {
  /** Always `"EncodeError"`. */
  override readonly name = "EncodeError" as const;
  /** Always `"ERR_ENCODE"`. */
  readonly code = "ERR_ENCODE" as const;
  constructor(
    /** The offending value (for `"too_large"`, the whole message). */
    readonly value: unknown,
    /** Where it sits in the message: `$`, `$[0]`, `$.key`, `$["odd key"]`, `$<Map>[i].key`, `$<Set>[i]`. */
    readonly path: string,
    /** What is wrong with it. */
    readonly kind: EncodeErrorKind = "unsupported",
    /** A word on the limit that was hit, for the message. */
    detail?: string,
  ) {
    super(`cannot send ${formatTerm(value, 1)} at ${path} to another node: ${detail ?? MESSAGES[kind]}`);
  }
}

/** Why bytes from the cluster did not decode. */
export type WireErrorKind =
  /** Larger than the size limit; not decoded at all. */
  | "too_large"
  /** Not a message this codec writes: truncated, trailing bytes, an unknown or refused type. */
  | "malformed";

/**
 * Bytes from the cluster that do not decode into a message. The node never crashes on them: the
 * transport drops the message and reports it on telemetry.
 */
export class WireError extends ParleyError {
  /** Always `"WireError"`. */
  override readonly name = "WireError" as const;
  /** Always `"ERR_WIRE"`. */
  readonly code = "ERR_WIRE" as const;
  constructor(
    /** What is wrong with them. */
    readonly kind: WireErrorKind,
    /** How many bytes arrived. */
    readonly size: number,
    /** What the decoder said. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`dropped ${size} bytes from the cluster (${kind}): ${detail}`, options);
  }
}

const MESSAGES: Record<EncodeErrorKind, string> = {
  unsupported:
    "only JSON values, undefined, bigint, Date, Map, Set, Uint8Array/Buffer, Error, Pid, Ref, arrays and plain objects cross",
  cycle: "the value contains itself",
  too_deep: "nested too deep",
  too_large: "the message is too large",
};
