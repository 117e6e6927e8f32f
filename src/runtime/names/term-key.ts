/**
 * Structural keys for terms, so names and ids compare like Erlang terms: `["feed", "btc"]` equals
 * `["feed", "btc"]`, plain objects compare by their sorted keys, Pids by process, and anything that
 * is not plain data (functions, classes, instances, unregistered symbols) by identity. Used by
 * global and via names, child ids and GenStatem states alike, so they all agree on equality.
 */
import { isPid } from "../process/pid.ts";
import { OptionsError } from "../errors.ts";
import { isPlainObject } from "../predicates.ts";
import { guarded } from "../unreadable.ts";

// Keys are built recursively; past this depth (or on a cycle) a value is keyed by identity
// instead of overflowing the stack.
const MAX_KEY_DEPTH = 64;

/**
 * The key of `value`: equal keys exactly when the terms are equal.
 * @throws {OptionsError} when reading `value` threw (a throwing getter, a revoked Proxy).
 */
export function termKey(value: unknown): string {
  return guarded(() => keyOf(value, []), (unreadable) => new OptionsError("term", unreadable, "a term whose properties can be read"));
}

const objectIds = new WeakMap<object, number>();
// Registered symbols (Symbol.for) cannot be WeakMap keys; they are keyed by their description instead.
const symbolIds = new WeakMap<symbol, number>();
let nextIdentity = 1;

function identity(value: object): string {
  let n = objectIds.get(value);
  if (n === undefined) objectIds.set(value, (n = nextIdentity++));
  return `#${n}`;
}

function symbolKey(value: symbol): string {
  const registered = Symbol.keyFor(value);
  if (registered !== undefined) return `@${JSON.stringify(registered)}`;
  let n = symbolIds.get(value);
  if (n === undefined) symbolIds.set(value, (n = nextIdentity++));
  return `@${n}`;
}

// Every encoding is self-delimiting (strings are JSON-quoted, other atoms use characters a number
// never contains), so distinct terms never share a key.
function keyOf(value: unknown, path: object[]): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return `n${value === 0 ? 0 : value}`;
    case "bigint":
      return `b${value}`;
    case "boolean":
    case "undefined":
      return String(value);
    case "symbol":
      return symbolKey(value);
    case "function":
      return identity(value);
  }
  if (value === null) return "null";
  const obj = value as object;
  if (isPid(obj)) return `p${obj.id}`;
  if (path.length >= MAX_KEY_DEPTH || path.includes(obj)) return identity(obj);
  const isArray = Array.isArray(obj);
  if (!isArray && !isPlainObject(obj)) return identity(obj);
  path.push(obj);
  let key: string;
  if (isArray) {
    const parts: string[] = [];
    for (let i = 0; i < obj.length; i++) parts.push(keyOf(obj[i], path));
    key = `[${parts.join(",")}]`;
  } else {
    const record = obj as Record<string, unknown>;
    const parts = Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${keyOf(record[k], path)}`);
    key = `{${parts.join(",")}}`;
  }
  path.pop();
  return key;
}
