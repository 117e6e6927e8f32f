/**
 * Telemetry: every `parley:*` diagnostics channel, printed as a client connects, sends a frame,
 * loses its connection and reconnects. Subscribing costs the publishers nothing until someone
 * listens, so this is how you feed metrics or traces.
 *
 *   npx tsx examples/telemetry.ts
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { channels, type ConnectStopMessage, Parley, type ReconnectScheduledMessage } from "../src/index.ts";

// Every channel the library publishes on, from the exported `channels` object.
const CHANNELS = Object.values(channels).map((channel) => channel.name);

// Every payload is one plain object: pid, name and url, then the event's own fields.
const print = (message: unknown, channel: string | symbol) => {
  const { pid, name, url, ...fields } = message as Record<string, unknown>;
  void pid, void url;
  console.log(String(channel).padEnd(27), String(name), JSON.stringify(fields, readable));
};
const readable = (_key: string, v: unknown) => (v instanceof Error ? v.message : typeof v === "number" ? Math.round(v * 10) / 10 : v);
for (const channel of CHANNELS) diagnostics_channel.subscribe(channel, print);

// Typed payloads for the channels you act on:
let retries = 0;
diagnostics_channel.subscribe("parley:reconnect:scheduled", (m) => {
  retries = (m as ReconnectScheduledMessage).attempt;
});
diagnostics_channel.subscribe("parley:connect:stop", (m) => {
  const { outcome, durationMs } = m as ConnectStopMessage;
  if (outcome === "ok") console.log(`  (connected in ${durationMs.toFixed(1)} ms)`);
});

// A local server that echoes, and drops the connection when told "drop".
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) =>
  ws.on("message", (data) => (data.toString() === "drop" ? ws.terminate() : ws.send(data.toString()))),
);
await new Promise((resolve) => wss.once("listening", resolve));
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

class Quiet extends Parley {}
await Quiet.start(undefined, { url, name: "quiet", reconnect: { baseDelay: 50, maxDelay: 200 } });
await Parley.sendFrame("quiet", ["text", "hello"]); // waits for the connection, then sends

const reconnected = new Promise((resolve) => wss.once("connection", resolve));
await Parley.sendFrame("quiet", ["text", "drop"]); // the server terminates the socket
await reconnected;
await Parley.sendFrame("quiet", ["text", "hello again"]);
await new Promise((resolve) => setTimeout(resolve, 50)); // let the echo arrive

await Parley.stop("quiet");
for (const channel of CHANNELS) diagnostics_channel.unsubscribe(channel, print);
console.log(`retries scheduled: ${retries}`);
wss.close();
