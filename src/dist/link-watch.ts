/**
 * Watches a node's NATS connection for a ClusterSupervisor: `fence` once it has been lost for
 * `fenceAfterMs`, `back` each time it is back.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { timerDelay } from "../runtime/process/long-timer.ts";

/** Starts watching; returns the function that stops it. */
export function watchLink(connection: NatsConnection, fenceAfterMs: number, fence: () => void, back: () => void): () => void {
  // The client's status iterator also has stop(), which ends it at once.
  const status = connection.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
  let timer: NodeJS.Timeout | undefined;
  void (async () => {
    for await (const s of status) {
      if (s.type === "disconnect") {
        timer ??= setTimeout(fence, timerDelay(fenceAfterMs));
      } else if (s.type === "reconnect") {
        clearTimeout(timer);
        timer = undefined;
        back();
      }
    }
  })();
  return () => {
    clearTimeout(timer);
    status.stop?.();
  };
}
