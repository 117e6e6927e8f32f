/**
 * One validated options object for every client started with the same options. Clients are
 * usually started by the thousand with one options object (a pool, a load test, a supervisor's
 * children), and each validation makes a fresh frozen copy of about 144 bytes that the client keeps
 * for its lifetime. Validated options are frozen and never changed in place (a reconnect decision
 * makes new ones), so clients can hold the same object.
 */
import type { ClientOptions } from "./options.ts";

/**
 * `options`, or the equal options the last client started with when they are still in use.
 * Equal means every option the same value, and the same entries in the same order for the
 * options that are records or lists (headers, protocols, transportOpts, reconnect, heartbeat,
 * perMessageDeflate). Only the last options are remembered, and weakly: the module holds nothing
 * alive once no client uses them.
 */
export function shareOptions(options: ClientOptions): ClientOptions {
  const previous = last?.deref();
  if (previous !== undefined && sameOptions(previous, options)) return previous;
  last = new WeakRef(options);
  return options;
}

let last: WeakRef<ClientOptions> | undefined;

function sameOptions(a: ClientOptions, b: ClientOptions): boolean {
  for (const key of Object.keys(a) as Array<keyof ClientOptions>) {
    if (Object.is(a[key], b[key])) continue;
    if (!COPIED.has(key) || !sameEntries(a[key], b[key])) return false;
  }
  return true;
}

/**
 * The options validation copies into frozen records or lists of its own: only these are compared
 * entry by entry. The others (a name, a codec) are compared as they are: they may be the user's
 * objects, which this must not read.
 */
const COPIED: ReadonlySet<string> = new Set(["headers", "transportOpts", "protocols", "reconnect", "heartbeat", "perMessageDeflate"]);

/** Records (arrays included) with the same entries in the same order, compared with Object.is. */
function sameEntries(x: unknown, y: unknown): boolean {
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const xs = Reflect.ownKeys(x);
  const ys = Reflect.ownKeys(y);
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) {
    const key = xs[i]!;
    if (key !== ys[i] || !Object.is((x as Record<PropertyKey, unknown>)[key], (y as Record<PropertyKey, unknown>)[key])) return false;
  }
  return true;
}
