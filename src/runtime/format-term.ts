/**
 * Renders any value the way Elixir's `inspect` would show a term, with a depth and width limit,
 * for error messages and crash reports. Never throws, whatever it is given.
 */

const MAX_DEPTH = 4;
const MAX_ITEMS = 20;
const MAX_STRING = 200;

/**
 * Renders any value as the logs, crash reports and error messages show it, as Elixir's `inspect`:
 * tuples as `[...]`, Pids as `#PID<0.12.0>`, classes by name, errors as `Name: message`, with at
 * most `depth` levels, 20 items per list and 200 characters per string. Never throws. Exported as
 * `inspect`.
 *
 * @example
 * ```ts
 * inspect(["error", new TimeoutError(5000, "call")]); // '["error", TimeoutError: call timed out after 5000 ms]'
 * inspect({ ok: [1, [2, [3, [4, [5]]]]] });           // '{ok: [1, [2, [3, […]]]]}'
 * ```
 */
export function formatTerm(value: unknown, depth = MAX_DEPTH): string {
  try {
    return render(value, depth, new Set());
  } catch {
    return "<unprintable>";
  }
}

function render(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value);
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "undefined":
      return "undefined";
    case "symbol":
      return value.toString();
    case "function":
      // A class reads as its name, like a module in Elixir; other functions as #Function<name>.
      if (/^class[\s{]/.test(Function.prototype.toString.call(value))) return value.name || "#Class<anonymous>";
      return `#Function<${value.name || "anonymous"}>`;
  }
  if (value === null) return "null";
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  if (obj instanceof Error) return `${obj.name}: ${obj.message}`;
  if (obj instanceof Uint8Array) return `<<${obj.byteLength} bytes>>`;
  if (obj instanceof ArrayBuffer) return `<<${obj.byteLength} bytes>>`;
  const own = (obj as { toString?: unknown }).toString;
  if (typeof own === "function" && own !== Object.prototype.toString && !Array.isArray(obj)) {
    const proto = Object.getPrototypeOf(obj) as object | null;
    if (proto !== Object.prototype && proto !== null && !(obj instanceof Map) && !(obj instanceof Set)) {
      const text = String(obj);
      if (!text.startsWith("[object ")) return text;
    }
  }
  if (depth <= 0) return Array.isArray(obj) ? "[…]" : "{…}";
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${items(obj, depth, seen)}]`;
    if (obj instanceof Map) {
      return `Map{${items([...obj].map(([k, v]) => `${render(k, depth - 1, seen)} => ${render(v, depth - 1, seen)}`), depth, seen, true)}}`;
    }
    if (obj instanceof Set) return `Set{${items([...obj], depth, seen)}}`;
    const entries = Object.entries(obj).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${render(v, depth - 1, seen)}`);
    const ctor = (obj as { constructor?: { name?: string } }).constructor;
    const prefix = ctor && ctor !== Object && ctor.name ? `${ctor.name} ` : "";
    return `${prefix}{${items(entries, depth, seen, true)}}`;
  } finally {
    seen.delete(obj);
  }
}

function items(list: readonly unknown[], depth: number, seen: Set<object>, raw = false): string {
  const shown = list.slice(0, MAX_ITEMS).map((v) => (raw ? String(v) : render(v, depth - 1, seen)));
  if (list.length > MAX_ITEMS) shown.push(`… ${list.length - MAX_ITEMS} more`);
  return shown.join(", ");
}
