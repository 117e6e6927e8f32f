/**
 * `Observer.start`'s options, checked: a bad value is an OptionsError naming it, and a host other
 * than loopback needs a token, since whoever reaches the page sees every process.
 */
import { isIP } from "node:net";
import { OptionsError } from "../runtime/errors.ts";
import type { NodesProvider } from "./nodes.ts";

/** Options of `Observer.start`. */
export interface ObserverOptions {
  /** The TCP port to listen on; 0 (the default) picks a free one (read it from `url`). */
  readonly port?: number;
  /**
   * The address to listen on. Default `"127.0.0.1"`. Anything but a loopback address
   * (`127.0.0.0/8`, `::1`, `localhost`) is refused unless `token` is set.
   */
  readonly host?: string;
  /**
   * The secret the page must send with every action (kill, suspend/resume, trace,
   * disconnect/connect): at least 16 characters. Without it the page is read-only. The token
   * never travels to the page: type it into the page, or open `url#token=…` (a fragment, never
   * sent over the network).
   */
  readonly token?: string;
  /** Feeds the nodes panel when distribution runs; without it the panel says distribution is off. */
  readonly nodes?: NodesProvider;
}

/** The options with defaults filled in. */
export interface CheckedOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly nodes: NodesProvider | undefined;
}

const KNOWN = ["port", "host", "token", "nodes"];
const MIN_TOKEN = 16;

/** @throws OptionsError naming the first bad option. */
export function checkOptions(options: unknown): CheckedOptions {
  if (options === undefined) return { port: 0, host: "127.0.0.1", token: undefined, nodes: undefined };
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new OptionsError("options", options, "{ port?, host?, token?, nodes? }");
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) throw new OptionsError(key, o[key], `no such Observer option (known: ${KNOWN.join(", ")})`);
  }
  const port = o.port ?? 0;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionsError("port", port, "an integer from 0 to 65535");
  }
  const host = o.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "" || /[\s/]/.test(host)) throw new OptionsError("host", host, "a host name or IP address");
  const token = o.token;
  if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN)) {
    // The value itself is never shown: it is meant to be a secret.
    throw new OptionsError("token", `<redacted ${typeof token}>`, `a string of at least ${MIN_TOKEN} characters`);
  }
  if (token === undefined && !isLoopback(host)) {
    throw new OptionsError("host", host, "a loopback address (127.0.0.1, ::1, localhost) unless a token is given");
  }
  const nodes = o.nodes;
  if (nodes !== undefined && typeof nodes !== "function") throw new OptionsError("nodes", nodes, "a function returning the nodes view");
  return { port, host, token, nodes: nodes as NodesProvider | undefined };
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith("127.");
  if (kind === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}
