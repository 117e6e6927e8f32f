// `npm run bench`: every figure, each beside its target; client figures as ratios against raw `ws`
// and distribution figures against raw NATS, each measured in the same run. `npm run bench -- dist`
// (or runtime, supervisor, otp, client, peers) runs only those sections; `npm run bench -- storm
// [clients]` runs the restart storm alone. Nothing here is asserted: the test
// suite never times anything.
import os from "node:os";
import { runClientBench } from "./client.ts";
import { runClusterFailoverBench } from "./cluster-failover.ts";
import { runDistBench } from "./dist.ts";
import { runOtpBench } from "./otp.ts";
import { runPeersBench } from "./peers.ts";
import { runRuntimeBench } from "./runtime.ts";
import { runStormBench } from "./storm.ts";
import { runSupervisorBench } from "./supervisor.ts";

const SECTIONS: Record<string, readonly [title: string, run: () => Promise<string[]>]> = {
  runtime: ["runtime", runRuntimeBench],
  supervisor: ["supervisor", runSupervisorBench],
  otp: ["Task, asyncStream, Registry PubSub", runOtpBench],
  client: ["client (echo server in a separate process on 127.0.0.1)", runClientBench],
  peers: ["peers: partysocket, reconnecting-websocket and nact beside raw ws and parley-ts", runPeersBench],
  dist: ["distribution (node processes, one nats-server on 127.0.0.1)", async () => [...(await runDistBench()), ...(await runClusterFailoverBench())]],
};

const asked = process.argv.slice(2);
// `npm run bench -- storm [clients]` runs the restart storm alone (it is not part of the full run).
if (asked[0] === "storm") {
  console.log("\n== restart storm ==");
  for (const line of await runStormBench(Number(asked[1] ?? 1000))) console.log(line);
  process.exit(0);
}
const unknown = asked.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown bench section ${unknown.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}`);
  process.exit(2);
}
const gc = typeof (globalThis as { gc?: unknown }).gc === "function";
console.log(`parley-ts bench: node ${process.version}, ${os.cpus().length} cpus, ${os.platform()}${gc ? "" : " (no --expose-gc: memory figures are noisy)"}`);
for (const name of asked.length > 0 ? asked : Object.keys(SECTIONS)) {
  const [title, run] = SECTIONS[name]!;
  console.log(`\n== ${title} ==`);
  for (const line of await run()) console.log(line);
}
process.exit(0);
