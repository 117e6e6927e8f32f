/**
 * Cluster supervision as a service of a started node: `Node.start` hands it the node's handle,
 * which the ClusterSupervisor processes use (their bucket, rejoins); `Node.stop` first stops the
 * ClusterSupervisors of this node, so their children stop and their claims are released before the
 * node leaves. Light on purpose: nothing here loads the NATS client.
 */
import type { ClusterHandle } from "./cluster.ts";

/** The started node, while there is one. */
export function clusterHandle(): ClusterHandle | undefined {
  return handle;
}

/**
 * Runs `stop` when this node leaves the cluster (`Node.stop`), unless the returned function was
 * called first (the supervisor exited on its own).
 */
export function onLeave(stop: () => Promise<void>): () => void {
  leaving.add(stop);
  return () => void leaving.delete(stop);
}

/** The node service: keeps the handle; at `Node.stop` stops every ClusterSupervisor of this node. */
export function startClusterSupervision(cluster: ClusterHandle): Promise<() => Promise<void>> {
  handle = cluster;
  return Promise.resolve(async () => {
    const stops = [...leaving];
    leaving.clear();
    await Promise.all(stops.map((stop) => stop()));
    handle = undefined;
  });
}

let handle: ClusterHandle | undefined;
const leaving = new Set<() => Promise<void>>();
