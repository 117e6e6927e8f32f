// examples/cluster runs as a user runs it and exits 0 with its summary: three nodes in three
// processes on a nats-server it starts (or PARLEY_NATS_URL), a killed, b's monitors fired.
import { expect, it } from "vitest";
import { describeWithNats } from "../helpers/nats.ts";
import { describeRun, runExample } from "../helpers/run-example.ts";

describeWithNats("examples/cluster", () => {
  it("runs three nodes, kills one, and shows monitors firing and names released", async () => {
    const run = await runExample("examples/cluster/index.ts", [], 40_000);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^B: prices: BTC=[\d.]+ ETH=[\d.]+ SOL=[\d.]+$/m);
    expect(run.stdout).toMatch(/^C: nodedown a$/m);
    expect(run.stdout).toMatch(/^summary: 3 nodes, 3 monitors fired on b with noconnection, names released: true, c saw nodedown a: true$/m);
    expect(run.stdout).toMatch(/^cluster: done$/m);
  }, 45_000);
});
