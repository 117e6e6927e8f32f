/** The return type of behaviour callbacks, which may be written sync or async. */

/**
 * A value, or a promise of one: what every behaviour callback (GenServer, GenStatem, Parley) may
 * return. While the promise of an `async` callback is pending, the process handles nothing else;
 * a rejection is handled exactly like a throw from the callback. Exported so that helpers which
 * build a callback's result can be typed like the callback itself, e.g.
 * `MaybePromise<CastResult<State>>`.
 */
export type MaybePromise<T> = T | Promise<T>;
