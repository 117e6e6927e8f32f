/**
 * The one rule for what is secret, and the redaction of URLs and headers built on it. Every log
 * line, crash report, status, telemetry payload and error message that shows a URL or headers
 * shows them through here.
 */

/**
 * Names whose values are secrets: headers (`authorization`, `set-cookie`, `x-api-key`), query
 * parameters (`token`, `api_key`, AWS presigned `X-Amz-Signature`/`X-Amz-Credential`/
 * `X-Amz-Security-Token`, Azure SAS `sig`) and the keys of logged state (`password`, `privateKey`).
 */
const SECRET_NAME = /pass|secret|token|auth|cookie|key|private|credential|session|signature|jwt|^sig$/i;

/**
 * The method of a value that holds secrets beyond its message (an `UpgradeError` and the server's
 * response headers): it returns the copy that telemetry shows instead. See {@link redactReason}.
 */
export const REDACTED_COPY: unique symbol = Symbol("parley.redactedCopy");

/** A value with a {@link REDACTED_COPY} method. */
export interface Redactable {
  [REDACTED_COPY](): unknown;
}

// Reasons nest errors in tuples (["error", err], ["shutdown", reason]): this deep is plenty.
const REASON_DEPTH = 4;

/**
 * `reason` as telemetry shows it: every {@link Redactable} in it, bare or inside arrays (to a
 * bounded depth), is replaced by its redacted copy; a reason without one is returned as is.
 */
export function redactReason(reason: unknown, depth = REASON_DEPTH): unknown {
  if (reason === null || typeof reason !== "object") return reason;
  if (REDACTED_COPY in reason) return (reason as Redactable)[REDACTED_COPY]();
  if (!Array.isArray(reason) || depth <= 0) return reason;
  let copy: unknown[] | undefined;
  for (let i = 0; i < reason.length; i++) {
    const shown = redactReason(reason[i], depth - 1);
    if (shown === reason[i]) continue;
    copy ??= [...(reason as unknown[])];
    copy[i] = shown;
  }
  return copy ?? reason;
}

/** What a redacted value becomes. */
export const REDACTED = "[redacted]";

/** True when values under `name` (a header, a query parameter, a state key) must not be shown. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A copy of `headers` safe to show: the value of any header with a secret name (see
 * {@link isSecretName}) becomes `"[redacted]"`.
 *
 * @param headers - request or response headers.
 * @returns a new object with the same names.
 */
export function redactHeaders<V>(headers: Readonly<Record<string, V>>): Record<string, V | typeof REDACTED> {
  const out: Record<string, V | typeof REDACTED> = {};
  for (const [name, value] of Object.entries(headers)) {
    // defineProperty, not assignment: a header named "__proto__" must stay a header.
    Object.defineProperty(out, name, { value: isSecretName(name) ? REDACTED : value, enumerable: true });
  }
  return out;
}

/**
 * `url` safe to show: credentials become `redacted`, and so do the values of query (and fragment)
 * parameters with secret names (`?token=`, `?api_key=`, `?X-Amz-Signature=`, `?sig=`). A URL with
 * neither is returned exactly as given; a string that does not parse as a URL is redacted as text
 * by the same rules.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUrlText(url);
  }
  let changed = false;
  if (parsed.username !== "" || parsed.password !== "") {
    parsed.username = "redacted";
    parsed.password = parsed.password === "" ? "" : "redacted";
    changed = true;
  }
  const params = [...parsed.searchParams];
  if (params.some(([name]) => isSecretName(name))) {
    parsed.search = new URLSearchParams(params.map(([name, value]): [string, string] => [name, isSecretName(name) ? "redacted" : value])).toString();
    changed = true;
  }
  const hash = redactParams(parsed.hash);
  if (hash !== parsed.hash) {
    parsed.hash = hash;
    changed = true;
  }
  return changed ? parsed.href : url;
}

/** True for a string that starts like an absolute URL (`scheme://`): what logs run through redactUrl. */
export function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

// `scheme://user:pass@` and `name=value` pairs, for text that the URL parser refuses.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;
const PARAM = /([?#&;]|^)([^=&#;?]+)=([^&#;]*)/g;

function redactUrlText(text: string): string {
  return redactParams(text.replace(USERINFO, "$1redacted:redacted@"));
}

function redactParams(text: string): string {
  return text.replace(PARAM, (whole: string, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // A malformed escape: judge the name as written.
    }
    return isSecretName(decoded) ? `${sep}${name}=redacted` : whole;
  });
}
