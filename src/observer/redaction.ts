/**
 * The one way a value becomes text for the Observer's page: the runtime's redaction (values of
 * secret-looking keys replaced), then `inspect`-style formatting. Every user value on the page
 * (names, states, reasons, ids, telemetry payloads) goes through `forPage`, so the redaction rules
 * can be swapped in this one place.
 */
import { formatTerm } from "../runtime/format-term.ts";
import { redact } from "../runtime/logger.ts";

/** `value` as the page may show it; never throws (a user's getter may). */
export function forPage(value: unknown): string {
  try {
    return formatTerm(redact(value));
  } catch {
    return "<unprintable>";
  }
}

/**
 * A process name as the page shows it: a local name as it is, `{ global: t }` as `global:t`, a
 * via name as `Module:t`.
 */
export function nameForPage(name: unknown): string | null {
  if (name === undefined) return null;
  if (typeof name === "string") return name;
  if (typeof name === "object" && name !== null) {
    if ("global" in name) return `global:${forPage(name.global)}`;
    if ("via" in name && Array.isArray(name.via) && name.via.length === 2) {
      const module = name.via[0] as { name?: unknown } | undefined;
      const label = typeof module?.name === "string" && module.name !== "" ? module.name : "via";
      return `${label}:${forPage(name.via[1])}`;
    }
  }
  return forPage(name);
}
