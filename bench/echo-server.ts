// The benchmark's echo server, run as its own process (see echo-process.ts) so the client under
// test does not share an event loop with it. Same server as perf-anchors.md: ws on 127.0.0.1,
// permessage-deflate off, each message sent back as it came. Prints `{"port":N}` once listening
// and exits when its stdin closes, so it cannot outlive the parent. Optional arguments: the port,
// and `held`: print `{"held":true}` once loaded and listen only when stdin brings a line (the
// peers' storm restarts a server on the port of the one it killed, with no start-up delay).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { RawData, WebSocket } from "ws";

const [port = "0", mode] = process.argv.slice(2);
// As ws's own server does when given a port: a plain HTTP request gets 426 Upgrade Required.
const server = createServer((_req, res) => res.writeHead(426).end("Upgrade Required"));
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on("connection", serverOnConnection);
server.on("listening", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
const listen = (): void => void server.listen({ host: "127.0.0.1", port: Number(port), backlog: 1024 });
if (mode === "held") {
  process.stdin.once("data", listen);
  process.stdout.write(`${JSON.stringify({ held: true })}\n`);
} else listen();

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));

// Module-level listeners: nothing allocated per connection on the hot path.
function serverOnConnection(ws: WebSocket, req: IncomingMessage): void {
  ws.on("error", wsOnError);
  // `/push?n=N&size=S`: no echo, N text frames of S bytes pushed as fast as the socket takes them.
  if (req.url?.startsWith("/push?")) return push(ws, new URLSearchParams(req.url.slice(6)));
  ws.on("message", wsOnMessage);
}

/** Writes while ws buffers less than 1 MiB, so a slow reader stalls the server in TCP. */
function push(ws: WebSocket, params: URLSearchParams): void {
  const n = Number(params.get("n"));
  const payload = "x".repeat(Number(params.get("size")));
  let sent = 0;
  const pump = (): void => {
    while (sent < n && ws.bufferedAmount < 1 << 20) {
      ws.send(payload);
      sent++;
    }
    if (sent < n && ws.readyState === ws.OPEN) setImmediate(pump);
  };
  pump();
}

function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}

// A client that vanishes mid-run (terminate) must not take the server down.
function wsOnError(): void {}
