// `npm run demo` runs as a user runs it (through tsx, stdout a pipe, so the view prints plain
// lines): its exit code and its summary are the contract. The examples are in examples.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketServer } from "../../examples/demo/market-server.ts";
import { describeRun, runExample } from "../helpers/run-example.ts";

describe("npm run demo", () => {
  it("survives a client crash and a server outage with no gaps (--duration 6)", async () => {
    const r = await runExample("examples/demo/index.ts", ["--duration", "6"], 60_000);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^OK: 5 symbols, \d+ frames, \d+ reconnects, no gaps$/m);
    const [, reconnects] = /, (\d+) reconnects, no gaps$/m.exec(r.stdout)!;
    expect(Number(reconnects)).toBeGreaterThanOrEqual(5);
    expect(r.stdout).toContain("killed the ETH client");
    expect(r.stdout).toContain("killed the market server");
    expect(r.stdout).toMatch(/market server back on port \d+/);
    expect(r.stdout).toMatch(/^\[ *[\d.]+s\] BTC resubscribed from seq \d+$/m);
    expect(r.stdout).toMatch(/Every subscription continued at the seq it asked for: \d+ resubscribes/);
    expect(r.stdout).not.toContain("FAIL");
    // The summary table: one row per symbol, with no gaps.
    for (const symbol of ["BTC", "ETH", "SOL", "ADA", "DOT"]) {
      expect(r.stdout).toMatch(new RegExp(`^${symbol} +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ +0 `, "m"));
    }
    expect(r.stdout).toMatch(/^ETH +\d+ +\d+ +\d+ +1 /m); // restarted once by its supervisor
    // The final screen keeps the key events, says the supervisor's error report was expected, and fits 120 columns.
    const final = r.stdout.slice(r.stdout.indexOf("\nWhat happened\n"));
    expect(final).toMatch(/^ {2}\[ *[\d.]+s\] killed the ETH client .*\n {2}\[ *[\d.]+s\] killed the market server.*\n {2}\[ *[\d.]+s\] market server back on port \d+\n/m);
    expect(final).toContain("Summary after");
    expect(r.stdout).toMatch(/log error: supervisor "feed_sup" child_terminated: .* reason "killed" \(expected\)$/m);
    for (const line of final.split("\n")) expect(line.length, line).toBeLessThanOrEqual(120);
  }, 90_000);

  describe("--url", () => {
    let server: MarketServer;
    beforeAll(async () => {
      server = await MarketServer.start({ symbols: ["SOL"], tickMs: 20 });
    });
    afterAll(() => server.close());

    it("--observe serves the Observer and prints its URL with a token", async () => {
      const r = await runExample("examples/demo/index.ts", ["--url", server.url, "--symbol", "SOL", "--duration", "1", "--observe"], 60_000);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout).toMatch(/^observer on http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{32}$/m);
      expect(r.stdout).toMatch(/^OK: 1 symbol, /m);
    }, 90_000);

    it("points one client at the given server", async () => {
      const r = await runExample("examples/demo/index.ts", ["--url", server.url, "--symbol", "SOL", "--duration", "1.5"], 60_000);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout).toContain(`using the server at ${server.url}`);
      expect(r.stdout).toMatch(/^OK: 1 symbol, \d+ frames, 0 reconnects, no gaps$/m);
    }, 90_000);
  });

  it("exits 1 with the reason when the client never connects", async () => {
    const r = await runExample("examples/demo/index.ts", ["--url", "ws://127.0.0.1:1/feed", "--duration", "0.5"], 60_000);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stdout).toContain("FAIL: BTC: never connected");
  }, 90_000);

  it("rejects bad arguments with exit code 2 and the usage", async () => {
    const r = await runExample("examples/demo/index.ts", ["--duration", "soon"]);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("--duration must be a number of seconds of at least 4, got soon");
    expect(r.stderr).toContain("usage: npm run demo");
  }, 60_000);
});
