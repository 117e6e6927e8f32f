// examples/cluster/failover.ts runs as a user runs it and exits 0 with its summary: three nodes
// share a ClusterSupervisor of feed clients, the busiest is killed, its feeds come back on the
// survivors and the aggregator's streams have no gap.
import { expect, it } from "vitest";
import { describeWithNats } from "../helpers/nats.ts";
import { describeRun, runExample } from "../helpers/run-example.ts";

describeWithNats("examples/cluster/failover", () => {
  it("kills the node running the most feeds; they resume on the survivors without a gap", async () => {
    const run = await runExample("examples/cluster/failover.ts", [], 40_000);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^placed: BTC@[abc] DOT@[abc] LTC@[abc] DOGE@[abc]$/m);
    const summary = /^summary: \d feeds of node ([abc]) back on (.*) within \d+ ms, gaps in the aggregator's streams: none$/m.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    // Back on the survivors only.
    expect(summary![2]!.split(" ").every((placed) => !placed.endsWith(`@${summary![1]}`))).toBe(true);
    expect(run.stdout).toMatch(/^failover: done$/m);
  }, 45_000);
});
