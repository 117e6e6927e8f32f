// Values that fight back, for the chaos properties: getters that throw, Proxies whose traps
// throw, revoked Proxies, and Proxies that answer a few reads and then throw. Each is built
// around a value that would otherwise be valid, so a check that trusts its first read is caught.
import fc from "fast-check";

/** What a hostile read throws: tests look for it in nothing but the `cause` of a typed error. */
export class Booby extends Error {
  override readonly name = "Booby";
}

export type Wrap = (target: object) => unknown;

/** A Proxy that throws from every trap. */
export const trapAll: Wrap = (target) =>
  new Proxy(target, {
    get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom,
  });

/** A revoked Proxy: every operation on it, `Array.isArray` included, throws a TypeError. */
export const revoked: Wrap = (target) => {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
};

/** A Proxy that answers the first `n` property reads faithfully, then throws. */
export const flaky = (n: number): Wrap => (target) => {
  let reads = 0;
  return new Proxy(target, {
    get(t, key, receiver) {
      if (++reads > n) throw new Booby(`read ${reads} of ${String(key)}`);
      return Reflect.get(t, key, receiver) as unknown;
    },
  });
};

/** A copy of `target` (an array or a plain object) whose own property `key` is a throwing getter. */
export const getterAt = (key: string | number): Wrap => (target) => {
  const copy = Array.isArray(target) ? [...(target as unknown[])] : { ...(target as object) };
  Object.defineProperty(copy, key, { get: boom, enumerable: true, configurable: true });
  return copy;
};

/** Every way to wrap a value, named, with enough flaky variants to hit each read of a small value. */
export const anyWrap: fc.Arbitrary<readonly [Wrap, string]> = fc.oneof(
  fc.constant([trapAll, "a Proxy that throws from every trap"] as const),
  fc.constant([revoked, "a revoked Proxy"] as const),
  fc.integer({ min: 0, max: 6 }).map((n) => [flaky(n), `a Proxy that throws after ${n} reads`] as const),
  fc.constantFrom(0, 1, 2, 3, "url", "global", "via").map((k) => [getterAt(k), `a throwing getter at ${k}`] as const),
);

/**
 * Makes a hostile value when called: each call builds a fresh one (a flaky Proxy counts its own
 * reads). fast-check only ever sees the maker, since it inspects the values it generates, which a
 * revoked Proxy would not survive.
 */
export interface Hostile {
  (): unknown;
  toString(): string;
}

/** A hostile value built around `target`, or around one of the objects nested in it. */
export function hostileAround(target: object): fc.Arbitrary<Hostile> {
  const nested = Object.entries(target).filter(([, v]) => v !== null && typeof v === "object");
  const whole = anyWrap.map(([wrap, label]) => maker(() => wrap(target), `${label} around ${show(target)}`));
  if (nested.length === 0) return whole;
  const inner = fc.tuple(fc.constantFrom(...nested), anyWrap).map(([[key, value], [wrap, label]]) =>
    maker(() => {
      const copy = (Array.isArray(target) ? Object.assign([], target) : { ...target }) as Record<string, unknown>;
      copy[key] = wrap(value as object);
      return copy;
    }, `${show(target)} with ${label} at ${key}`),
  );
  return fc.oneof(whole, inner);
}

function maker(make: () => unknown, label: string): Hostile {
  return Object.assign(() => make(), { toString: () => label });
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (Buffer.isBuffer(v) ? "<bytes>" : v)) ?? String(value);
}

function boom(): never {
  throw new Booby("hostile read");
}
