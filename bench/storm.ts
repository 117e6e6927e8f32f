// `npm run bench -- storm [clients]`: the full restart storm (test/chaos/storm.test.ts runs a
// CI-sized one). Clients keep sending while the server is reset (RST) and restarted on the same
// port, three times; every frame accepted must come out as exactly one of: written, dropped
// (published), rejected with a typed error. Prints the accounting and the recovery time per round.
import { captureLogs } from "../test/helpers/logs.ts";
import { runStorm } from "../test/chaos/storm-engine.ts";
import { fmt, line } from "./measure.ts";

export async function runStormBench(clients: number): Promise<string[]> {
  const logs = captureLogs();
  try {
    const r = await runStorm({ clients, rounds: 3, perRound: 4, reconnectTimeoutMs: 120_000 });
    const exact = r.asyncSent + r.asyncDropped === r.asyncAccepted && r.syncResolved === r.syncSentEvents && r.untyped.length === 0;
    return [
      line(`storm: ${fmt(clients)} clients, 3 RST kills`, exact ? "exact" : "MISMATCH", "exact"),
      line("  sendFrameAsync accepted = sent + dropped", `${fmt(r.asyncAccepted)} = ${fmt(r.asyncSent)} + ${fmt(r.asyncDropped)}`, "equal"),
      line("  dropped by why", JSON.stringify(r.dropReasons), "-"),
      line("  sendFrame calls: resolved / frame:sent", `${fmt(r.syncResolved)} / ${fmt(r.syncSentEvents)}`, "equal"),
      line("  sendFrame rejections by error:state", JSON.stringify(r.syncRejected), "typed"),
      line("  untyped rejections", fmt(r.untyped.length), "0"),
      line("  recovery per round (ms, kill to all connected)", r.recoveryMs.map((ms) => fmt(ms)).join(", "), "-"),
      line("  crash reports", fmt(logs.errors().length), "0"),
    ];
  } finally {
    logs.restore();
  }
}
