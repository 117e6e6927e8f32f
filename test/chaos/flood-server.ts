// A server that floods each client with `total` frames as fast as its socket takes them (it writes
// whenever its own send buffer is under 1 MiB, as a real flooding server does), and remembers the
// deepest that buffer got: proof that a paused client made the server wait in TCP.
import type { WebSocket } from "ws";

export interface Flood {
  /** Hand to `startServer` as its `onConnection`. */
  readonly onConnection: (ws: WebSocket) => void;
  /** The largest `bufferedAmount` the server's socket reached. */
  readonly backlog: () => number;
}

export function flood(total: number, frameAt: (i: number) => Buffer): Flood {
  let backlog = 0;
  return {
    onConnection: (ws) => {
      let sent = 0;
      const pump = (): void => {
        while (sent < total && ws.bufferedAmount < 1 << 20) ws.send(frameAt(sent++));
        backlog = Math.max(backlog, ws.bufferedAmount);
        if (sent < total && ws.readyState === ws.OPEN) setImmediate(pump);
      };
      pump();
    },
    backlog: () => backlog,
  };
}
