/**
 * Fan-out with bounded concurrency: fetch a list of URLs from a local HTTP server, at most three
 * at a time, each as a task under a TaskSupervisor, giving up on any that takes longer than 200 ms.
 * Elixir's `Task.Supervisor.async_stream_nolink(sup, urls, &fetch/1, max_concurrency: 3,
 * timeout: 200, on_timeout: :kill_task)`.
 *
 *   npx tsx examples/task-stream.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { setLogger, Task, TaskSupervisor } from "../src/index.ts";

// The supervisor reports each task it saw killed; keep the reports to print them at the end.
const reports: string[] = [];
setLogger(pino({ base: null }, { write: (line: string) => void reports.push((JSON.parse(line) as { msg: string }).msg) }));

// A local server: /slow never answers, everything else answers at once with its path.
let inFlight = 0;
let mostInFlight = 0;
const server = createServer((req, res) => {
  mostInFlight = Math.max(mostInFlight, ++inFlight);
  res.on("close", () => inFlight--);
  if (req.url === "/slow") return;
  res.end(`page ${req.url}`);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const sup = await TaskSupervisor.startLink({ name: "fetchers" });

/** Runs in its own task process: a slow fetch holds up nobody but itself. */
async function fetchPage(path: string): Promise<string> {
  const res = await fetch(`${base}${path}`);
  return `${res.status} ${await res.text()}`;
}

const paths = ["/a", "/b", "/slow", "/c", "/d"];
const options = { maxConcurrency: 3, timeoutMs: 200, onTimeout: "kill_task" } as const;
for await (const result of TaskSupervisor.asyncStreamNolink("fetchers", paths, fetchPage, options)) {
  console.log(result); // [ 'ok', '200 page /a' ] ... [ 'exit', 'timeout' ] for /slow
}
console.log(`at most ${mostInFlight} requests in flight`);
for (const report of reports) console.log(`(log) ${report}`); // supervisor "fetchers" child_terminated: child Task (#PID<…>), reason "killed"

// The same without a supervisor: Task.asyncStream links its tasks to the caller.
const lengths = Task.asyncStream(["/x", "/yy"], async (p) => (await fetchPage(p)).length, { maxConcurrency: 2 });
for await (const [tag, n] of lengths) console.log(tag, n); // ok 11, ok 12

// One task awaited on its own.
const task = await TaskSupervisor.async(sup, () => fetchPage("/one"));
console.log(await Task.await(task)); // 200 page /one

await TaskSupervisor.children(sup).then((pids) => console.log(`tasks left: ${pids.length}`));
server.closeAllConnections();
server.close();
console.log("task-stream: done");
