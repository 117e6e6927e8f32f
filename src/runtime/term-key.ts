/**
 * Structural keys for terms, so names and ids compare like Erlang terms: `["feed", "btc"]` equals
 * `["feed", "btc"]`, objects compare by their sorted keys, and anything that is not plain data
 * (functions, classes, Pids, other objects) compares by identity.
 */

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

export function termKey(term: unknown): string {
  switch (typeof term) {
    case "string":
      return JSON.stringify(term);
    case "number":
      return Object.is(term, -0) ? "0" : String(term);
    case "boolean":
      return term ? "true" : "false";
    case "undefined":
      return "undefined";
    case "bigint":
      return `${term}n`;
    case "symbol":
      return `sym:${term.toString()}`;
    case "function":
      return `fn:${identity(term)}`;
  }
  if (term === null) return "null";
  if (Array.isArray(term)) return `[${term.map(termKey).join(",")}]`;
  const proto = Object.getPrototypeOf(term) as unknown;
  if (proto === Object.prototype || proto === null) {
    const obj = term as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${termKey(obj[k])}`)
      .join(",")}}`;
  }
  return `obj:${identity(term as object)}`;
}

function identity(key: object): number {
  let id = identities.get(key);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(key, id);
  }
  return id;
}
