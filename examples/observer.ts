/**
 * The Observer alone: a small supervised program and a live web view of it, served by the library
 * (one page, one WebSocket, 127.0.0.1 only). The token lets the page act: kill a process and
 * watch its supervisor restart it, suspend one and watch its mailbox grow.
 *
 *   npx tsx examples/observer.ts           # starts it, reads the first update as the page would, exits
 *   npx tsx examples/observer.ts --serve   # keeps serving until Ctrl-C: open the printed URL
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import WebSocket from "ws";
import { DynamicSupervisor, exit, GenServer, Observer, receive, send, spawn, Supervisor } from "../src/index.ts";

class Counter extends GenServer<number> {
  override init(n: number) {
    return ["ok", n] as const;
  }
  override handleCast(_msg: unknown, n: number) {
    return ["noreply", n + 1] as const;
  }
}

const app = await Supervisor.startLink(
  [{ id: "counter", start: () => Counter.startLink(0, { name: "counter" }) }, DynamicSupervisor.childSpec({ name: "jobs" })],
  { strategy: "one_for_one", name: "app" },
);
// Busy work for the page: casts to the counter, and a process that never reads its mailbox.
const backlog = spawn(() => receive((m) => (m === "never sent" ? m : undefined)));
const ticker = setInterval(() => {
  GenServer.cast("counter", "inc");
  send(backlog, "tick");
}, 100);

// Anyone with the token may act from the page: keep it out of logs (here it is your terminal).
const token = randomBytes(16).toString("hex");
const observer = await Observer.start({ token });
console.log(`observer on ${observer.url} (act from the page: ${observer.url}#token=${token})`);

// What the page receives, read from Node: the WebSocket only accepts the page's own origin.
const page = new WebSocket(new URL("/ws", observer.url).href.replace(/^http/, "ws"), { origin: new URL(observer.url).origin });
const update = await new Promise<{ processCount: number; supervisors: Array<{ name: string; strategy: string; children: Array<{ id: string; state: string }> }> }>(
  (resolve) => page.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === "update") resolve(msg);
  }),
);
page.close();
console.log(`${update.processCount} processes`);
for (const s of update.supervisors) {
  console.log(`supervisor ${s.name} (${s.strategy}): ${s.children.map((c) => `${c.id} ${c.state}`).join(", ") || "no children"}`);
}

if (process.argv.includes("--serve")) {
  console.log("serving until Ctrl-C");
  await once(process, "SIGINT");
}
clearInterval(ticker);
await observer.close();
exit(backlog, "kill");
await Supervisor.stop(app);
console.log("observer: done");
