// A loopback TCP relay that a test can pause and resume: a connection through it stalls (nothing
// is lost, the kernel buffers it) until resumed, which orders one client's traffic after another's
// without timing luck.
import net from "node:net";
import { listenLoopback } from "./ws-server.ts";

/** A running relay to one loopback port. */
export interface TcpRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** Stops moving bytes both ways on every connection, until `resume`. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a relay from a free 127.0.0.1 port to `targetPort` on 127.0.0.1. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const pairs = new Set<readonly [net.Socket, net.Socket]>();
  let paused = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = [client, upstream] as const;
    pairs.add(pair);
    // Plain data handlers, not pipe(): a piped stream resumes itself when its destination drains.
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => client.write(chunk));
    if (paused) for (const s of pair) s.pause();
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  const port = await listenLoopback(server, 0);
  return {
    port,
    pause() {
      paused = true;
      for (const pair of pairs) for (const s of pair) s.pause();
    },
    resume() {
      paused = false;
      for (const pair of pairs) for (const s of pair) s.resume();
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
