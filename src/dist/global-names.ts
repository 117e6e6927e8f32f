/**
 * Cluster-wide global names as a service of a started node: `Node.start` runs it after joining,
 * `Node.stop` runs what it returns before leaving. Light on purpose: the name table (and with it
 * the KV client) is loaded here, when a node starts, never by `import "parley-ts"`.
 */
import type { ClusterHandle } from "./cluster.ts";

/**
 * Installs the cluster's name table behind `Global` for this started node; resolves the function
 * that releases this node's names and puts the single-node table back.
 * @throws {NodeError} `["name_table_unreachable", bucket]` when JetStream is not available.
 */
export async function startGlobalNames(cluster: ClusterHandle): Promise<() => Promise<void>> {
  const { startClusterNames } = await import("./name-table.ts");
  const table = await startClusterNames(cluster, {
    cluster: cluster.options.cluster,
    // The watch keeps the replica current; the reconcile only catches what a watcher can miss.
    reconcileMs: Math.max(1000, cluster.options.heartbeatMs * 10),
  });
  return () => table.close();
}
