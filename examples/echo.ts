/**
 * The smallest useful client: it says hello when it connects, logs every frame the server sends,
 * and closes cleanly. A local echo server plays the other side.
 *
 *   npx tsx examples/echo.ts
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { type ConnectInfo, type Frame, Inbox, Parley, type Pid, send } from "../src/index.ts";

// A local echo server on a free port: every frame comes back as it went.
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
await new Promise((resolve) => wss.once("listening", resolve));
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

/** The client's state: who to tell about each frame, and how many arrived. */
interface EchoState {
  readonly report: Pid;
  readonly frames: number;
}

class EchoClient extends Parley<EchoState> {
  // Runs after every successful upgrade; its push is the first frame on the new connection.
  override handleConnect(s: EchoState, info: ConnectInfo) {
    console.log(`connected (subprotocol: ${JSON.stringify(info.protocol)})`);
    return ["push", ["text", "hello"], s] as const;
  }

  // Text, binary and pong frames from the server.
  override handleFrame(frame: Frame, s: EchoState) {
    const shown = frame[0] === "text" ? JSON.stringify(frame[1]) : `${frame[1].byteLength} bytes`;
    console.log(`<- ${frame[0]} ${shown}`);
    send(s.report, frame);
    return ["ok", { ...s, frames: s.frames + 1 }] as const;
  }

  override handleDisconnect(reason: unknown, s: EchoState) {
    console.log(`disconnected: ${String(reason)}`);
    return ["ok", s] as const;
  }
}

// An Inbox is a mailbox for code outside processes, such as this script.
const inbox = new Inbox();
const pid = await EchoClient.start({ report: inbox.pid, frames: 0 } satisfies EchoState, { url });

// Frames sent while the client is still connecting wait in its queue and go out after "hello".
await Parley.sendFrame(pid, ["text", "one"]);
await Parley.sendFrame(pid, ["binary", new Uint8Array([1, 2, 3])]);
Parley.sendFrameAsync(pid, ["text", "two"]); // fire and forget

// Four echoes: hello, one, the bytes, two.
for (let i = 0; i < 4; i++) await inbox.receive(undefined, 5000);
console.log(await Parley.status(pid)); // { state: 'connected', url: 'ws://127.0.0.1:…', attempt: 0, queued: 0 }

await Parley.disconnect(pid, { code: 1000, reason: "done" }); // logs: disconnected: closed
await Parley.stop(pid);
inbox.close();
await new Promise((resolve) => wss.close(resolve));
console.log("echo: done");
