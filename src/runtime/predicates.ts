/** Pure predicates and limits shared across the layers. */

/** The longest delay Node's timers take: beyond 2^31 - 1 ms they fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * True for anything `await` would treat as a promise (an object or function with `then`); false
 * when reading `then` throws (a throwing getter, a revoked Proxy), so callers never throw here.
 */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/** True for an object literal or a null-prototype object: plain data, not an instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
