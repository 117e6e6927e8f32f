/**
 * A WebSocket client under a Supervisor, reached by name only. It counts the echoes a local server
 * sends back; when it crashes, the supervisor starts a new one under the same name, and code that
 * talks to "echoes" never notices the Pid changed.
 *
 *   npx tsx examples/supervised-client.ts
 */
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { WebSocketServer } from "ws";
import { type DownMessage, type Frame, Inbox, monitor, Parley, setLogger, Supervisor, sys, whereis } from "../src/index.ts";

// The default logger writes pino JSON to stderr; print one short line per report instead.
setLogger(pino({ base: null }, { write: (line: string) => console.log(`  (log) ${(JSON.parse(line) as { msg: string }).msg}`) }));

// A local echo server on a free port.
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
await new Promise((resolve) => wss.once("listening", resolve));
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

/** Counts the frames the server sends back; crashes when asked to. */
class Echoes extends Parley<number> {
  override handleFrame(_frame: Frame, count: number) {
    return ["ok", count + 1] as const;
  }

  override handleCast(msg: "crash", count: number) {
    if (msg === "crash") throw new Error("asked to crash");
    return ["ok", count] as const;
  }
}

const sup = await Supervisor.startLink([[Echoes, [0, { url, name: "echoes", reconnect: true }]]], {
  strategy: "one_for_one",
});

// The client is still connecting: these frames wait in its queue and go out, in order, once it is up.
await Parley.sendFrame("echoes", ["text", "one"]);
await Parley.sendFrame("echoes", ["text", "two"]);
console.log(await Parley.status("echoes")); // { state: 'connected', url: 'ws://127.0.0.1:…', attempt: 0, queued: 0 }

// Watch the current process, then make it crash.
const inbox = new Inbox();
const before = whereis("echoes")!;
await inbox.run(() => monitor(before));
Parley.cast("echoes", "crash");
const [, , , , reason] = await inbox.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? (m as unknown as DownMessage) : undefined));
console.log(`${String(before)} exited: ${String(reason)}`); // #PID<0.3.0> exited: Error: asked to crash

// The supervisor handles the exit before it answers this call: the new client holds the name now.
const [child] = await Supervisor.whichChildren(sup);
console.log(`"echoes" is now ${String(whereis("echoes"))}, the supervisor's child ${String(child?.pid)}`);

await Parley.sendFrame("echoes", ["text", "three"]);
await waitForEchoes(1);
console.log(`the new client counted ${String(await sys.getState("echoes"))} echo`); // the new client counted 1 echo

await Supervisor.stop(sup);
inbox.close();
wss.close();

/** Polls the client's state until it counted `n` echoes (the echo arrives after sendFrame resolves). */
async function waitForEchoes(n: number): Promise<void> {
  while (((await sys.getState("echoes")) as number) < n) await new Promise((resolve) => setTimeout(resolve, 10));
}
