// The distribution tests' view of the broker (see nats-server.ts): one per test file, started in
// beforeAll. Where there is none, the tests skip with one loud line, unless PARLEY_REQUIRE_NATS=1
// (CI), where a missing server fails the file.
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, RequestError } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe } from "vitest";
import { Subjects } from "../../src/dist/transport.ts";
import { HOW_TO_GET, natsAvailable, startNats, type NatsServer } from "./nats-server.ts";

export { natsAvailable, natsRestartable, startNats, uniqueCluster, type NatsServer } from "./nats-server.ts";

/**
 * `describe` for a file of distribution tests: runs the block when a broker is available, skips it
 * otherwise (printing once per test run how to get one), and fails when PARLEY_REQUIRE_NATS=1.
 */
export function describeWithNats(name: string, body: () => void): void {
  if (!natsAvailable) {
    if (process.env["PARLEY_REQUIRE_NATS"] === "1") {
      throw new Error(`PARLEY_REQUIRE_NATS=1 but no NATS server: ${HOW_TO_GET}`);
    }
    warnOnce();
  }
  describe.skipIf(!natsAvailable)(name, body);
}

/**
 * Starts a broker before the file's tests (or uses PARLEY_NATS_URL) and closes it after them.
 * Read `url` inside tests or hooks, not at collection time.
 */
export function useNats(): { readonly server: NatsServer; readonly url: string } {
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await startNats();
  }, 20_000);
  afterAll(async () => {
    await server?.close();
  });
  const running = (): NatsServer => {
    if (server === undefined) throw new Error("useNats: the server starts in beforeAll; read it inside a test");
    return server;
  };
  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
  };
}

/**
 * Resolves once the broker has dropped the connection of `node` (a node process killed with
 * SIGKILL): a request to it then bounces with "no responders". The process's exit reaches the test
 * before the broker has necessarily read the closed socket; a test that needs the broker's
 * at-once answer for a dead node waits for this instead of racing that read.
 */
export async function untilBrokerDropped(url: string, cluster: string, node: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    for (;;) {
      try {
        await nc.request(new Subjects(cluster).who(node), undefined, { timeout: 1000 });
      } catch (err) {
        if (err instanceof RequestError && err.isNoResponders()) return;
      }
    }
  } finally {
    await nc.close();
  }
}

// Vitest runs each file in its own worker, all children of one vitest process: a marker file named
// after that parent makes the warning appear once per run, not once per file.
function warnOnce(): void {
  const marker = join(tmpdir(), `parley-nats-missing-${process.ppid}`);
  try {
    closeSync(openSync(marker, "wx"));
  } catch {
    return;
  }
  console.warn(`\n*** Distribution tests SKIPPED: no NATS server. To run them, ${HOW_TO_GET}. ***\n`);
}
