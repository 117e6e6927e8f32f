// Issue 10, defect 2, at scale: a restart storm, CI-sized (`npm run bench -- storm` runs the full
// one). Every frame accepted is accounted for exactly, and every rejection is typed.
import { describe, expect, it } from "vitest";
import { captureLogs } from "../helpers/logs.ts";
import { runStorm } from "./storm-engine.ts";

describe("restart storm", () => {
  it("100 clients, 3 RST kills and restarts on the same port: every frame sent, dropped or rejected typed, exactly", async () => {
    const logs = captureLogs();
    try {
      const r = await runStorm({ clients: 100, rounds: 3, perRound: 4 });
      expect(r.untyped).toEqual([]);
      expect(r.asyncSent + r.asyncDropped).toBe(r.asyncAccepted);
      expect(r.syncResolved).toBe(r.syncSentEvents);
      expect(Object.keys(r.dropReasons).every((k) => k.startsWith("binary:"))).toBe(true);
      expect(r.recoveryMs).toHaveLength(3);
      expect(logs.errors()).toEqual([]);
    } finally {
      logs.restore();
    }
  });
});
