/**
 * A WebSocket client under a Supervisor, reached by name only. It counts the echoes a local server
 * sends back. When it crashes, the supervisor starts a new one under the same name, and code that
 * talks to "echoes" never notices the Pid changed. When the server goes away and comes back, the
 * client reconnects with backoff and carries on.
 *
 *   npx tsx examples/supervised.ts
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { WebSocketServer } from "ws";
import { type ConnectionStopMessage, type ConnectStopMessage, type DownMessage, type Frame, Inbox, monitor, Parley, setLogger, Supervisor, sys, whereis } from "../src/index.ts";

// The default logger writes pino JSON to stderr; print one short line per report instead.
setLogger(pino({ base: null }, { write: (line: string) => console.log(`  (log) ${(JSON.parse(line) as { msg: string }).msg}`) }));

// A local echo server on a free port.
let wss = await echoServer(0);
const port = (wss.address() as AddressInfo).port;
const url = `ws://127.0.0.1:${port}`;

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

// Now the server goes away abruptly and comes back on the same port.
const lost = next<ConnectionStopMessage>("parley:connection:stop", "echoes", () => true);
const reconnected = next<ConnectStopMessage>("parley:connect:stop", "echoes", (m) => m.outcome === "ok");
for (const ws of wss.clients) ws.terminate();
await new Promise((resolve) => wss.close(resolve));
const [, cause] = (await lost).reason as readonly ["error", Error];
console.log(`server down: ${cause.message}`); // server down: connection closed abruptly (close code 1006, no close frame)
wss = await echoServer(port);
const { attempt } = await reconnected;
console.log(`server back: reconnected on retry ${attempt}, same Pid ${String(whereis("echoes"))}`);

await Parley.sendFrame("echoes", ["text", "four"]);
await waitForEchoes(2);
console.log(`it counted ${String(await sys.getState("echoes"))} echoes`); // it counted 2 echoes

await Supervisor.stop(sup);
inbox.close();
wss.close();

/** An echo server on 127.0.0.1:`port` (0 for any free port). */
async function echoServer(port: number): Promise<WebSocketServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

/** Resolves with the next event on `channel` from the client named `name` that `accept` takes. */
function next<M extends { readonly name: unknown }>(channel: string, name: string, accept: (m: M) => boolean): Promise<M> {
  return new Promise((resolve) => {
    const onEvent = (message: unknown): void => {
      const m = message as M;
      if (m.name !== name || !accept(m)) return;
      diagnostics_channel.unsubscribe(channel, onEvent);
      resolve(m);
    };
    diagnostics_channel.subscribe(channel, onEvent);
  });
}

/** Polls the client's state until it counted `n` echoes (the echo arrives after sendFrame resolves). */
async function waitForEchoes(n: number): Promise<void> {
  while (((await sys.getState("echoes")) as number) < n) await new Promise((resolve) => setTimeout(resolve, 10));
}
