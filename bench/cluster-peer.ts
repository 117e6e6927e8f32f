// A node of `npm run bench -- dist`'s failover figure (name in argv[2]): runs the ClusterSupervisor
// "bench-feeds" with one WebSocket client whose handleConnect says which node it runs on.
import { ClusterSupervisor, Node, Parley, type ChildSpec } from "../src/index.ts";

class Feed extends Parley<string> {
  override init(node: string): ["ok", string] {
    return ["ok", node];
  }
  override handleConnect(node: string): ["push", ["text", string], string] {
    return ["push", ["text", node], node];
  }
}

const FeedChild = {
  name: "FeedChild",
  childSpec: (url: string): ChildSpec => ({ id: "feed", start: () => Parley.startLink(Feed, Node.self(), { url }) }),
};

const node = process.argv[2] ?? "fail-a";
await Node.start(node, {
  servers: process.env["PARLEY_NATS_URL"] ?? "nats://127.0.0.1:4222",
  cluster: process.env["PARLEY_CLUSTER"] ?? "bench",
  heartbeatMs: 100,
  nodedownAfterMs: 500,
});
await ClusterSupervisor.startLink([[FeedChild, process.env["PARLEY_FEED_URL"] ?? ""]], { name: "bench-feeds" });
process.send?.({ ready: true });
process.on("disconnect", () => process.exit(0));
