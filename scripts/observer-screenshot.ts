/**
 * `npm run observer:screenshot`: makes docs/observer.png, the README's picture of the Observer.
 * Runs the demo with --observe, opens the printed URL in Debian's chromium (through
 * playwright-core, which downloads nothing), waits until the demo has killed a client and its
 * supervisor has restarted it, and saves the page.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, chromiumPath } from "../test/helpers/browser.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = "docs/observer.png";

const executablePath = chromiumPath();
if (executablePath === undefined) {
  console.error("chromium not found: apt-get install -y chromium");
  process.exit(1);
}

const demo = spawn(process.execPath, [createRequire(import.meta.url).resolve("tsx/cli"), "examples/demo/index.ts", "--duration", "30", "--observe"], {
  cwd: ROOT,
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const url = await observerUrl();
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 980 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(20_000);
    await page.goto(url);
    // The demo kills its ETH client at 20% of the run: wait for feed_sup's restart to show.
    await page.locator("#trees .restarts.hot").first().waitFor();
    // Let the rates fill their sparklines.
    await page.waitForTimeout(2500);
    await page.screenshot({ path: OUT });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  demo.kill("SIGINT");
}

/** The demo's `observer on URL` line. */
function observerUrl(): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: demo.stdout! });
    lines.on("line", (line) => {
      const m = /^observer on (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
    demo.once("exit", (code) => reject(new Error(`the demo exited (${code}) before printing the Observer's URL`)));
  });
}
