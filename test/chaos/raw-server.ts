// A raw TCP server on 127.0.0.1 that reads the client's upgrade request and then runs a script
// against the socket: the hostile servers of the chaos suite (partial answers, slow headers,
// resets, half-open closes) are a few lines each on top of it.
import { createHash } from "node:crypto";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ScriptedServer {
  readonly url: string;
  readonly port: number;
  /** Upgrade requests read so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** What a script gets: the socket, the request head, and the 101 answer that request expects. */
export interface Exchange {
  readonly socket: net.Socket;
  readonly request: string;
  /** A complete, valid `101 Switching Protocols` head for this request. */
  readonly accept: string;
  /** Sets a timer that the server clears when it closes. */
  every(ms: number, fn: () => void): void;
}

export async function scriptedServer(script: (x: Exchange) => void): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
    let head = "";
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      requests++;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
      const digest = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      const accept = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${digest}\r\n\r\n`;
      script({
        socket,
        request: head,
        accept,
        every(ms, fn) {
          const t = setInterval(fn, ms);
          timers.add(t);
          socket.once("close", () => clearInterval(t));
        },
      });
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WebSocket frame from server to client (unmasked), as raw bytes. */
export function serverFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error("serverFrame: short payloads only");
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}
