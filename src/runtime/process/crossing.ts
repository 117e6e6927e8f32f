/**
 * The runtime's own message classes that cross to other nodes: a call, a cast, a system request,
 * the client's requests. A class instance cannot cross as data (its receiver tests it with
 * `instanceof`), so each of these registers a name, how to take it apart into values that cross,
 * and how to rebuild it from parts that arrived, checking them as its receiver would. Distribution
 * sends `[name, parts]` in their place; anything else that is a class instance does not cross.
 */

/** How instances of one class cross between nodes. */
export interface Crossing<T extends object = object> {
  /** Unique among crossing classes: what names it on the wire. */
  readonly name: string;
  /** The class. */
  readonly type: abstract new (...args: never[]) => T;
  /**
   * Its parts: values that cross (a nested crossing instance through {@link takeApart}). The user's
   * value (a call's request, a cast's message) comes last, so an encoding error names its path from it.
   */
  parts(value: T): unknown[];
  /** Rebuilds it from parts that came from another node. Throws when the parts are not what `parts` makes. */
  rebuild(parts: readonly unknown[]): T;
}

/** Registers a crossing class. Each name and class once. */
export function registerCrossing<T extends object>(crossing: Crossing<T>): void {
  byName.set(crossing.name, crossing as unknown as Crossing);
  byType.set(crossing.type, crossing as unknown as Crossing);
}

/**
 * `value` as it crosses: `[name, parts]` for an instance of a crossing class, `[null, value]`
 * for anything else (the codec decides whether that crosses).
 */
export function takeApart(value: unknown): readonly [string | null, unknown] {
  if (value === null || typeof value !== "object") return [null, value];
  const crossing = byType.get((value as object).constructor);
  return crossing === undefined ? [null, value] : [crossing.name, crossing.parts(value)];
}

/**
 * Rebuilds what {@link takeApart} made on another node.
 * @throws TypeError naming the value when `name` is no crossing class or its parts are not an array.
 */
export function putTogether(name: unknown, payload: unknown): unknown {
  if (name === null) return payload;
  const crossing = typeof name === "string" ? byName.get(name) : undefined;
  if (crossing === undefined) throw new TypeError(`no message class crosses as ${JSON.stringify(name)}`);
  if (!Array.isArray(payload)) throw new TypeError(`the parts of a ${crossing.name} must be an array`);
  return crossing.rebuild(payload);
}

const byName = new Map<string, Crossing>();
const byType = new Map<unknown, Crossing>();
