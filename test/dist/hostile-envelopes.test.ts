// A hostile peer's envelopes, decoded but made of anything: acting on one either works or throws
// (the transport then drops it and reports it); the node's processes and data stay intact.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inbox } from "../../src/index.ts";
import { Peer } from "../../src/dist/peer.ts";
import { joinWire, leaveWire, pidFromWire, refFromWire } from "../../src/dist/remote-pids.ts";
import { signalArrived } from "../../src/dist/remote-signals.ts";
import { makeRef } from "../../src/runtime/process/pid.ts";

describe("hostile envelopes", () => {
  const sent: unknown[] = [];
  const peer = new Peer("evil", 9, 1, "subject", (_p, signal) => void sent.push(signal));
  const box = new Inbox({ trapExit: true });
  beforeAll(() => joinWire("self", 1, () => peer));
  afterAll(() => {
    leaveWire();
    box.close();
  });

  it("never crash the node and never reach a process with a malformed signal", () => {
    const remotePid = pidFromWire(["evil", 9, 3]);
    const remoteRef = refFromWire(["evil", 9, 4]);
    const value = fc.oneof(
      fc.constantFrom<unknown>(box.pid, remotePid, remoteRef, makeRef(), "evil", 9, null, undefined, true, "SendFrame", "CallRequest", "Status"),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 9 }), fc.array(value, { maxLength: 6 }), (kind, fields) => {
        const before = box.peek().length;
        try {
          signalArrived(peer, [kind, "evil", 9, ...fields]);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
        // Whatever arrived is well formed: a plain message, an EXIT with a remote pid, or nothing.
        for (const msg of box.peek().slice(before)) {
          if (Array.isArray(msg) && msg[0] === "EXIT") expect(msg[1]).toBe(remotePid);
        }
      }),
      { numRuns: 2000 },
    );
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});
