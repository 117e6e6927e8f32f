/**
 * A local PubSub: one WebSocket client receives price ticks and a Registry with duplicate keys
 * hands each tick to every GenServer subscribed to its topic, the pattern behind
 * Phoenix.PubSub's local dispatch. A local server plays the exchange.
 *
 *   npx tsx examples/pubsub.ts
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { type Frame, GenServer, Inbox, Parley, type Pid, Registry, send, Supervisor } from "../src/index.ts";

// The exchange: once asked, it sends three ticks per topic, then "end".
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) =>
  ws.on("message", () => {
    for (const [topic, price] of [["btc", 97000], ["eth", 3600], ["btc", 97100], ["eth", 3610], ["btc", 97050], ["eth", 3590]] as const) {
      ws.send(JSON.stringify({ topic, price }));
    }
    ws.send(JSON.stringify({ topic: "end" }));
  }),
);
await new Promise((resolve) => wss.once("listening", resolve));
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

/** Broadcasts `msg` to every process subscribed to `topic`. */
function broadcast(topic: string, msg: unknown): void {
  Registry.dispatch("prices", topic, (entries) => {
    for (const [pid] of entries) send(pid, msg);
  });
}

/** One feed for everybody: every text frame becomes a broadcast on its topic. */
class Feed extends Parley<null> {
  override handleConnect(s: null) {
    return ["push", ["text", "subscribe"], s] as const;
  }

  override handleFrame(frame: Frame, s: null) {
    if (frame[0] === "text") {
      const tick = JSON.parse(frame[1]) as { topic: string; price?: number };
      broadcast(tick.topic, ["tick", tick.topic, tick.price]);
    }
    return ["ok", s] as const;
  }
}

/** A subscriber: registers under its topics in init, so its entries go when it exits. */
interface Watch {
  readonly name: string;
  readonly report: Pid;
  readonly seen: readonly number[];
}

class Watcher extends GenServer<Watch> {
  override init([name, topics, report]: readonly [string, readonly string[], Pid]) {
    for (const topic of [...topics, "end"]) Registry.register("prices", topic, name);
    return ["ok", { name, report, seen: [] }] as const;
  }

  override handleInfo([, topic, price]: readonly ["tick", string, number], s: Watch) {
    if (topic === "end") send(s.report, `${s.name} saw ${s.seen.join(", ")}`);
    return ["noreply", { ...s, seen: topic === "end" ? s.seen : [...s.seen, price] }] as const;
  }
}

const inbox = new Inbox();
const watcher = (id: string, topics: string[]) => ({ id, start: () => Watcher.startLink([id, topics, inbox.pid]) });
// The Registry starts first: the watchers register in it, the feed dispatches through it.
const sup = await Supervisor.startLink(
  [
    Registry.childSpec({ keys: "duplicate", name: "prices" }),
    watcher("btc-only", ["btc"]),
    watcher("eth-only", ["eth"]),
    watcher("both", ["btc", "eth"]),
    { id: "feed", start: () => Feed.startLink(null, { url }) },
  ],
  { strategy: "one_for_one" },
);

const lines = [await inbox.receive(undefined, 5000), await inbox.receive(undefined, 5000), await inbox.receive(undefined, 5000)];
for (const line of (lines as string[]).sort()) console.log(line);
console.log(`btc subscribers: ${Registry.lookup("prices", "btc").map(([, name]) => String(name)).join(", ")}`);

await Supervisor.stop(sup);
inbox.close();
await new Promise((resolve) => wss.close(resolve));
console.log("pubsub: done");
