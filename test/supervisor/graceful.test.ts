import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { OptionsError } from "../../src/runtime/errors.ts";
import { shutdownOnSignals } from "../../src/supervisor/graceful.ts";

const SCRIPT = fileURLToPath(new URL("./fixtures/graceful-service.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: string[];
}

/** Runs the fixture service, sends it `signal` once it is ready, and collects its output. */
async function runService(mode: string, signal: NodeJS.Signals = "SIGTERM"): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, MODE: mode },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let out = "";
  let signalled = false;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    out += chunk;
    if (!signalled && out.includes("ready\n")) {
      signalled = true;
      child.kill(signal);
    }
  });
  child.stderr.resume();
  const [code, sig] = await exited;
  return { code, signal: sig, lines: out.split("\n").filter((l) => l !== "") };
}

describe("graceful", () => {
  describe("shutdownOnSignals", () => {
    // The four services run in parallel, which keeps the whole file to a second or two.
    let runs: Record<"clean" | "sigint" | "hang" | "leak", Promise<Run>>;
    beforeAll(() => {
      runs = { clean: runService("clean"), sigint: runService("clean", "SIGINT"), hang: runService("hang"), leak: runService("leak") };
      // Each is awaited by its test; a failure must not surface as an unhandled rejection first.
      for (const run of Object.values(runs)) run.catch(() => {});
    });

    it("on SIGTERM stops the tree in reverse start order and lets the process exit with code 0", async () => {
      const run = await runs.clean;
      expect(run).toEqual({ code: 0, signal: null, lines: ["ready", "terminate c shutdown", "terminate b shutdown", "terminate a shutdown"] });
    });

    it("does the same on SIGINT", async () => {
      const run = await runs.sigint;
      expect(run).toEqual({ code: 0, signal: null, lines: ["ready", "terminate c shutdown", "terminate b shutdown", "terminate a shutdown"] });
    });

    it("exits with code 1 when the tree has not stopped within timeoutMs", async () => {
      const run = await runs.hang;
      expect(run).toEqual({ code: 1, signal: null, lines: ["ready", "terminate c shutdown"] });
    });

    it("exits with code 0 after timeoutMs when something outside the tree keeps the process alive", async () => {
      const run = await runs.leak;
      expect(run).toEqual({ code: 0, signal: null, lines: ["ready", "terminate c shutdown", "terminate b shutdown", "terminate a shutdown"] });
    });
  });

  describe("install and uninstall", () => {
    let uninstall: (() => void) | undefined;
    afterEach(() => uninstall?.());

    it("adds one listener per signal and the returned function removes them (twice is harmless)", () => {
      const before = [process.listenerCount("SIGUSR2"), process.listenerCount("SIGHUP")];
      uninstall = shutdownOnSignals("nobody", { signals: ["SIGUSR2", "SIGHUP"] });
      expect([process.listenerCount("SIGUSR2"), process.listenerCount("SIGHUP")]).toEqual([before[0]! + 1, before[1]! + 1]);
      uninstall();
      uninstall();
      expect([process.listenerCount("SIGUSR2"), process.listenerCount("SIGHUP")]).toEqual(before);
    });

    it.each<[string, unknown, RegExp]>([
      ["an empty signal list", { signals: [] }, /^invalid signals: expected a non-empty array of signal names/],
      ["a signal that is not a name", { signals: [15] }, /^invalid signals: /],
      ["a negative timeoutMs", { timeoutMs: -1 }, /^invalid timeoutMs: expected a non-negative number of milliseconds or Infinity, got -1$/],
      ["options that are not an object", 5, /^invalid options: /],
    ])("throws OptionsError for %s", (_what, options, message) => {
      expect(() => shutdownOnSignals("nobody", options as never)).toThrow(OptionsError);
      expect(() => shutdownOnSignals("nobody", options as never)).toThrow(message);
    });
  });
});
