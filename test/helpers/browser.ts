// A real browser for the Observer's tests: Debian's chromium, driven by playwright-core (which
// downloads nothing). Without chromium the browser tests are skipped with a warning, unless CI or
// PARLEY_REQUIRE_BROWSER asks for them: then they fail, so CI can never pass without them.
import { execFileSync } from "node:child_process";
import { type Browser, chromium } from "playwright-core";
import { describe, it } from "vitest";

/** The flags every launch uses: no sandbox (containers), no GPU. */
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"];

/** Where `command -v chromium` finds it, or undefined. */
export function chromiumPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Launches chromium headless. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
}

/**
 * `describe` for browser tests: runs `body` with chromium's path; without chromium, skips loudly,
 * or fails when `CI` or `PARLEY_REQUIRE_BROWSER` is set.
 */
export function describeInBrowser(name: string, body: (executablePath: string) => void): void {
  const path = chromiumPath();
  if (path !== undefined) {
    describe(name, () => body(path));
    return;
  }
  const required = Boolean(process.env["PARLEY_REQUIRE_BROWSER"] || process.env["CI"]);
  if (required) {
    describe(name, () => {
      it("needs chromium", () => {
        throw new Error("chromium not found (command -v chromium): install it with apt-get install -y chromium");
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED "${name}": chromium not found (apt-get install -y chromium to run the browser tests) ***\n`);
  describe.skip(name, () => body(""));
}
