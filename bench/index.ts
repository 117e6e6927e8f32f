// `npm run bench`: every figure, each beside its target; client figures as ratios against raw `ws`
// measured in the same run. Nothing here is asserted: the test suite never times anything.
import os from "node:os";
import { runClientBench } from "./client.ts";
import { runOtpBench } from "./otp.ts";
import { runRuntimeBench } from "./runtime.ts";
import { runStormBench } from "./storm.ts";
import { runSupervisorBench } from "./supervisor.ts";

const gc = typeof (globalThis as { gc?: unknown }).gc === "function";
console.log(`parley-ts bench: node ${process.version}, ${os.cpus().length} cpus, ${os.platform()}${gc ? "" : " (no --expose-gc: memory figures are noisy)"}`);
// `npm run bench -- storm [clients]` runs the restart storm alone.
if (process.argv[2] === "storm") {
  console.log("\n== restart storm ==");
  for (const l of await runStormBench(Number(process.argv[3] ?? 1000))) console.log(l);
  process.exit(0);
}
console.log("\n== runtime ==");
for (const line of await runRuntimeBench()) console.log(line);
console.log("\n== supervisor ==");
for (const line of await runSupervisorBench()) console.log(line);
console.log("\n== Task, asyncStream, Registry PubSub ==");
for (const line of await runOtpBench()) console.log(line);
console.log("\n== client (echo server in a separate process on 127.0.0.1) ==");
for (const line of await runClientBench()) console.log(line);
process.exit(0);
