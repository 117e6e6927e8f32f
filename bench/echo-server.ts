// The benchmark's echo server, run as its own process (see echo-process.ts) so the client under
// test does not share an event loop with it. Same server as perf-anchors.md: ws on 127.0.0.1,
// permessage-deflate off, each message sent back as it came. Prints `{"port":N}` once listening
// and exits when its stdin closes, so it cannot outlive the parent.
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { RawData, WebSocket } from "ws";

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, backlog: 1024 });

wss.on("connection", serverOnConnection);
wss.on("listening", () => {
  process.stdout.write(`${JSON.stringify({ port: (wss.address() as AddressInfo).port })}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));

// Module-level listeners: nothing allocated per connection on the hot path.
function serverOnConnection(ws: WebSocket): void {
  ws.on("message", wsOnMessage);
  ws.on("error", wsOnError);
}

function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}

// A client that vanishes mid-run (terminate) must not take the server down.
function wsOnError(): void {}
