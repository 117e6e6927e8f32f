/**
 * Which pages may open the Observer's WebSocket: only its own, by the Origin header of the upgrade.
 * A page from any other site (even one whose name resolves to 127.0.0.1) is refused, so a
 * website the user visits cannot read the processes or, holding no token, act on them.
 */
import { networkInterfaces } from "node:os";
import { isIP } from "node:net";

/** The origins the Observer's own page has when it is served from `host:port`. */
export function allowedOrigins(host: string, port: number): ReadonlySet<string> {
  const hosts = new Set<string>([host, "localhost", "127.0.0.1", "::1"]);
  // Bound to every address: the page may be opened through any of this machine's addresses.
  if (host === "0.0.0.0" || host === "::") {
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) hosts.add(a.address);
  }
  const origins = new Set<string>();
  for (const h of hosts) origins.add(`http://${isIP(h) === 6 ? `[${h}]` : h}:${port}`);
  return origins;
}
