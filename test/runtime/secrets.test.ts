// The one secret rule and the redaction of URLs, headers and reasons built on it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSecretName, REDACTED_COPY, redactHeaders, redactReason, redactUrl } from "../../src/runtime/secrets.ts";

describe("isSecretName", () => {
  it("covers headers, query parameters and state keys of every known family", () => {
    for (const name of ["authorization", "Set-Cookie", "x-api-key", "token", "api_key", "X-Amz-Signature", "X-Amz-Credential",
      "X-Amz-Security-Token", "sig", "password", "privateKey", "sessionId", "jwt"]) expect(isSecretName(name), name).toBe(true);
    for (const name of ["room", "signal", "sight", "content-type", "user", "retry-after"]) expect(isSecretName(name), name).toBe(false);
  });
});

describe("redactUrl", () => {
  it("redacts AWS presigned and SAS parameters, keeping the order of the others", () => {
    expect(redactUrl("wss://h.example/p?a=1&X-Amz-Credential=AK%2F1&X-Amz-Signature=ab&sig=zz&b=2")).toBe(
      "wss://h.example/p?a=1&X-Amz-Credential=redacted&X-Amz-Signature=redacted&sig=redacted&b=2",
    );
  });

  it("redacts secret parameters in a fragment", () => {
    expect(redactUrl("wss://h.example/#access_token=abc&state=1")).toBe("wss://h.example/#access_token=redacted&state=1");
  });

  it("redacts text that is not a URL by the same rules", () => {
    expect(redactUrl("ws://[broken/?token=abc&x=1")).toBe("ws://[broken/?token=redacted&x=1");
    expect(redactUrl("ws://u:p@[broken/")).toBe("ws://redacted:redacted@[broken/");
  });

  it("property: a planted value under a secret name never survives, in a URL or in text", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((s) => `S3CR3T${s}`);
    const name = fc.constantFrom("token", "api_key", "X-Amz-Signature", "sig", "auth", "session_id");
    const base = fc.constantFrom("wss://h.example/p", "ws://127.0.0.1:9/x", "ws://[bad/", "not a url ");
    fc.assert(
      fc.property(base, name, secret, fc.boolean(), (b, n, s, fragment) => {
        expect(redactUrl(`${b}${fragment ? "#" : "?"}x=1&${n}=${s}`)).not.toContain(s);
      }),
    );
  });
});

describe("redactHeaders", () => {
  it("keeps every name and redacts the secret values, a header named __proto__ included", () => {
    const headers = JSON.parse('{"set-cookie":["a","b"],"__proto__":"x","retry-after":"5"}') as Record<string, unknown>;
    const out = redactHeaders(headers);
    expect(Object.keys(out)).toEqual(["set-cookie", "__proto__", "retry-after"]);
    expect(out["set-cookie"]).toBe("[redacted]");
    expect(out["retry-after"]).toBe("5");
  });
});

describe("redactReason", () => {
  class Holder {
    constructor(readonly secret: string) {}
    [REDACTED_COPY](): Holder {
      return new Holder("[redacted]");
    }
  }

  it("replaces what can redact itself, bare or nested in tuples, and returns anything else as is", () => {
    const plain = ["error", new Error("x")];
    expect(redactReason(plain)).toBe(plain);
    expect(redactReason(new Holder("s"))).toEqual(new Holder("[redacted]"));
    expect(redactReason(["shutdown", ["error", new Holder("s")]])).toEqual(["shutdown", ["error", new Holder("[redacted]")]]);
    expect(redactReason("normal")).toBe("normal");
  });
});
