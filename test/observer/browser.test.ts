// The Observer in a real browser (chromium through playwright-core), against the demo's shape of
// tree: supervisors, a Registry, a GenServer and supervised WebSocket clients on a local server.
// One browser for the file; each test opens its own page.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DynamicSupervisor, GenServer, Inbox, isAlive, Observer, type ObserverHandle, Registry, send, Supervisor, whereis } from "../../src/index.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { describeInBrowser, launchChromium } from "../helpers/browser.ts";
import { Probe } from "../helpers/client.ts";
import { useLogCapture, useProcesses } from "../helpers/runtime.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";

/** How long a page may take to show what a test waits for. */
const WAIT_MS = 5000;
const TOKEN = "browser-test-token-0123456";
const SECRET_HEADER = "Bearer SECRET-HEADER-VALUE-42";
const SECRET_QUERY = "SECRET-QUERY-VALUE-43";

useLogCapture();
const { idle } = useProcesses();

class Aggregator extends GenServer<number> {
  override init() {
    return ["ok", 0] as const;
  }
}

describeInBrowser("Observer in chromium", (executablePath) => {
  let browser: Browser;
  let server: TestServer;
  let observer: ObserverHandle;
  let sup: Pid;
  /** Where the clients report; nobody reads it. */
  let reports: Inbox;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(executablePath), startServer()]);
    reports = new Inbox();
    sup = await Supervisor.startLink(
      [
        [Registry, { keys: "unique", name: "browser_feeds" }],
        { id: "aggregator", start: () => Aggregator.startLink(undefined, { name: "aggregator" }) },
        DynamicSupervisor.childSpec({ name: "feed_sup", maxRestarts: 10 }),
      ],
      { strategy: "rest_for_one", name: "demo_sup" },
    );
    const url = `${server.url}/feed?token=${SECRET_QUERY}`;
    for (const symbol of ["BTC", "ETH"]) {
      const options = { url, headers: { authorization: SECRET_HEADER }, name: { via: [Registry, ["browser_feeds", symbol]] } };
      await DynamicSupervisor.startChild("feed_sup", { id: symbol, start: () => Probe.startLink({ to: reports.pid, hooks: {} }, options as never) });
    }
    observer = await Observer.start({ token: TOKEN });
  });

  afterAll(async () => {
    await observer?.close();
    await browser?.close();
    if (sup !== undefined && isAlive(sup)) await Supervisor.stop(sup);
    await server?.close();
    reports?.close();
  });

  it("shows the supervision tree with the demo's supervisors", async () => {
    const page = await open();
    await page.locator(`#trees .sup[data-pid="${String(sup)}"]`).waitFor();
    await page.locator(`#trees .sup[data-pid="${String(sup)}"] li.child[data-id="aggregator"]`).waitFor();
    const text = await page.locator("#trees").innerText();
    expect(text).toMatch(/demo_sup\s+restarts 0\/3 in 5s\s+Supervisor · rest_for_one/);
    expect(text).toContain("feed_sup");
    expect(text).toContain("aggregator");
    expect(text).toMatch(/restarts 0\/3 in 5s/);
    // feed_sup is nested under demo_sup, with its two clients.
    expect(await page.locator(`#trees .sup[data-pid="${String(sup)}"] .sup li.child.running`).count()).toBe(2);
    await page.close();
  });

  it("kills a client from the page with the token and shows its restart", async () => {
    const page = await open();
    await page.fill("#token", TOKEN);
    const [victim] = Registry.lookup("browser_feeds", "ETH")[0]!;
    await page.locator(`#clients a.pid[data-pid="${String(victim)}"]`).click();
    await page.locator("#detail:not([hidden])").waitFor();
    await page.click('#detail-actions button[data-action="kill"]');
    await page.locator("#action-result.ok").waitFor();
    expect(await page.locator("#action-result").innerText()).toBe(`exit(${String(victim)}, "kill")`);
    // The restart: feed_sup counts one and lists a new pid for the child.
    const feedSup = String(whereis("feed_sup"));
    await page.locator(`#trees .sup[data-pid="${feedSup}"] .restarts`, { hasText: "restarts 1/10" }).waitFor();
    const pids = await page.locator(`#trees .sup[data-pid="${feedSup}"] li.child`).evaluateAll((lis) => lis.map((li) => li.getAttribute("data-pid")));
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(String(victim));
    await page.close();
  });

  it("shows a growing mailbox as a growing number", async () => {
    const page = await open();
    const stuck = idle();
    const cell = (n: number) => page.locator(`#processes tr[data-pid="${String(stuck)}"] td.mailbox`, { hasText: new RegExp(`^${n}$`) });
    await cell(0).waitFor();
    for (let i = 0; i < 3; i++) send(stuck, i);
    await cell(3).waitFor();
    for (let i = 0; i < 4; i++) send(stuck, i);
    await cell(7).waitFor();
    await page.close();
  });

  it("refuses the kill without the token", async () => {
    const page = await open();
    const target = idle();
    await page.locator(`#processes a.pid[data-pid="${String(target)}"]`).click();
    await page.click('#detail-actions button[data-action="kill"]');
    await page.locator("#action-result.error").waitFor();
    expect(await page.locator("#action-result").innerText()).toBe("refused: wrong or missing token");
    expect(isAlive(target)).toBe(true);
    await page.close();
  });

  it("never lets a secret header, query value or the token reach the page", async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const received: string[] = [];
    page.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(String(f.payload))));
    await page.goto(`${observer.url}#token=${TOKEN}`);
    // The token came in the fragment: it is taken into the field and dropped from the address.
    expect(await page.inputValue("#token")).toBe(TOKEN);
    expect(page.url()).toBe(observer.url);
    const [client] = Registry.lookup("browser_feeds", "BTC")[0]!;
    await page.locator(`#clients a.pid[data-pid="${String(client)}"]`).click();
    await page.locator("#detail-fields", { hasText: "token=redacted" }).waitFor();
    await page.locator("#feed-filter").fill("connect");
    const html = await page.content();
    const text = await page.locator("body").innerText();
    expect(received.length).toBeGreaterThan(1);
    for (const haystack of [html, text, ...received]) {
      expect(haystack).not.toContain("SECRET");
      expect(haystack).not.toContain(TOKEN);
    }
    await page.close();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(observer.url);
    await page.locator("#connection.on").waitFor();
    return page;
  }
});
