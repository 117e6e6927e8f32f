import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RECONNECT, type ReconnectPolicy } from "../../src/client/options.ts";
import { decide, type DecisionContext } from "../../src/client/reconnect-decision.ts";

const policy: fc.Arbitrary<ReconnectPolicy> = fc
  .record({ baseDelay: fc.integer({ min: 0, max: 10_000 }), extra: fc.integer({ min: 0, max: 60_000 }), maxRetries: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Infinity)) })
  .map(({ baseDelay, extra, maxRetries }) => ({ baseDelay, maxDelay: baseDelay + extra, maxRetries }));

const context: fc.Arbitrary<DecisionContext> = fc.record({
  reason: fc.oneof(fc.constant("closed"), fc.constant("connect_timeout"), fc.constant(["error", new Error("refused")] as const)),
  attempt: fc.integer({ min: 0, max: 30 }),
  reconnect: fc.oneof(fc.constant(false as const), policy),
  local: fc.boolean(),
  firstDial: fc.boolean(),
  unreachable: fc.boolean(),
});

const tag = fc.constantFrom("ok" as const, "reconnect" as const, "disconnect" as const);

/** The policy that applies to a decision, per the contract; false when none does. */
function applying(t: "ok" | "reconnect" | "disconnect", ctx: DecisionContext): ReconnectPolicy | false {
  if (t === "reconnect") return ctx.reconnect === false ? DEFAULT_RECONNECT : ctx.reconnect;
  return t === "ok" && !ctx.local ? ctx.reconnect : false;
}

describe("reconnect-decision", () => {
  describe("decide", () => {
    it("retries exactly when a policy applies and retries are left, with the next attempt number and a delay in the backoff range", () => {
      fc.assert(
        fc.property(tag, context, (t, ctx) => {
          const d = decide(t, ctx);
          const p = applying(t, ctx);
          if (p === false) {
            expect(["down", "stop"]).toContain(d[0]);
            return;
          }
          if (ctx.attempt >= p.maxRetries) {
            expect(d).toEqual(["exhausted"]);
            return;
          }
          expect(d[0]).toBe("retry");
          const [, delayMs, attempt] = d as readonly ["retry", number, number];
          const cap = Math.min(p.baseDelay * 2 ** ctx.attempt, p.maxDelay);
          const half = Math.max(Math.floor(cap / 2), 1);
          expect(attempt).toBe(ctx.attempt + 1);
          expect(delayMs).toBeGreaterThanOrEqual(half + 1);
          expect(delayMs).toBeLessThanOrEqual(2 * half);
        }),
      );
    });

    it("stays down without a policy, except after a first dial that could not reach the server", () => {
      fc.assert(
        fc.property(tag, context, (t, ctx) => {
          fc.pre(applying(t, ctx) === false);
          const d = decide(t, ctx);
          if (ctx.firstDial && ctx.unreachable) expect(d[0]).toBe("stop");
          else expect(d).toEqual(["down"]);
        }),
      );
    });

    it("exits with the Error of an unreachable first dial, or connect_timeout as it is", () => {
      const err = new Error("refused");
      const base = { attempt: 0, reconnect: false as const, local: false, firstDial: true, unreachable: true };
      expect(decide("ok", { ...base, reason: ["error", err] })).toEqual(["stop", ["error", err]]);
      expect(decide("disconnect", { ...base, reason: "connect_timeout" })).toEqual(["stop", ["error", "connect_timeout"]]);
    });

    it("never reconnects after a local disconnect unless told to", () => {
      const ctx = { reason: "closed", attempt: 0, reconnect: DEFAULT_RECONNECT, local: true, firstDial: false, unreachable: false };
      expect(decide("ok", ctx)).toEqual(["down"]);
      expect(decide("reconnect", ctx, () => 0)[0]).toBe("retry");
    });

    it("waits about baseDelay before the first retry", () => {
      const ctx = { reason: "closed", attempt: 0, reconnect: { baseDelay: 1000, maxDelay: 30_000, maxRetries: 5 }, local: false, firstDial: false, unreachable: false };
      expect(decide("ok", ctx, () => 0)).toEqual(["retry", 501, 1]);
      expect(decide("ok", ctx, () => 0.9999)).toEqual(["retry", 1000, 1]);
    });
  });
});
