// A real nats-server for the distribution tests and the bench: JetStream on a free 127.0.0.1 port
// with a temp store dir, stopped and restarted on the same port and dir for broker-outage tests.
// With PARLEY_NATS_URL set, that server is used instead (then it cannot be restarted).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running broker as the tests see it. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops the server (SIGTERM, then waits for it to exit). The store dir is kept for `restart`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store dir; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops the server and removes its store dir. */
  close(): Promise<void>;
}

const EXTERNAL_URL = process.env["PARLEY_NATS_URL"];
const BINARY = process.env["PARLEY_NATS_SERVER"] ?? "nats-server";
/** How to get a server, for the line that says the distribution tests were skipped. */
export const HOW_TO_GET =
  "install nats-server (apt-get install nats-server, or a release from https://github.com/nats-io/nats-server/releases) " +
  "or set PARLEY_NATS_URL to a JetStream-enabled server";

/** True when the distribution tests can run: PARLEY_NATS_URL is set or nats-server is on PATH. */
export const natsAvailable: boolean = EXTERNAL_URL !== undefined || hasBinary();

/** True when the tests own the broker and may stop and restart it (false with PARLEY_NATS_URL). */
export const natsRestartable: boolean = EXTERNAL_URL === undefined && natsAvailable;

/**
 * Starts a JetStream nats-server on a free loopback port, or wraps PARLEY_NATS_URL. With
 * `jetstream: false`, a server without JetStream, always one of its own.
 */
export async function startNats({ jetstream = true }: { readonly jetstream?: boolean } = {}): Promise<NatsServer> {
  if (EXTERNAL_URL !== undefined && jetstream) return external(EXTERNAL_URL);
  const dir = mkdtempSync(join(tmpdir(), "parley-nats-"));
  // A port found free can be taken before nats-server binds it; try a few.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await ownServer(port, dir, jetstream);
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** A cluster name no other test file or run shares, for subjects and buckets on a shared broker. */
export function uniqueCluster(prefix = "t"): string {
  return `${prefix}${process.pid}_${Date.now().toString(36)}_${(nextCluster++).toString(36)}`;
}

let nextCluster = 1;

async function ownServer(port: number, dir: string, jetstream: boolean): Promise<NatsServer> {
  let child = await launch(port, dir, jetstream);
  const url = `nats://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await terminate(child);
  };
  return {
    url,
    stop,
    async restart() {
      await terminate(child);
      child = await launch(port, dir, jetstream);
    },
    async close() {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function external(url: string): NatsServer {
  const unsupported = async (): Promise<void> => {
    throw new Error(`cannot stop or restart the server at PARLEY_NATS_URL=${url}`);
  };
  return { url, stop: unsupported, restart: unsupported, close: async () => undefined };
}

// Every server this worker started, killed if the worker exits without closing them.
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function launch(port: number, dir: string, jetstream: boolean): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const args = ["-a", "127.0.0.1", "-p", String(port), ...(jetstream ? ["-js", "-sd", dir] : [])];
    const child = spawn(BINARY, args, {
      stdio: ["ignore", "ignore", "pipe"],
    });
    live.add(child);
    let log = "";
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`nats-server on port ${port} did not start: ${why}\n${log}`));
    };
    const timer = setTimeout(() => fail("no 'Server is ready' within 10 s"), 10_000);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      log += chunk;
      // The line comes after the client listener is up; a connect confirms it accepts.
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        child.stderr?.removeAllListeners("data").resume();
        accepts(port).then(
          () => {
            if (settled) return;
            settled = true;
            resolve(child);
          },
          (err: Error) => fail(err.message),
        );
      }
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      live.delete(child);
      fail(err.message);
    });
    child.on("exit", (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      fail(`exited ${code ?? signal}`);
    });
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function accepts(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function hasBinary(): boolean {
  return spawnSync(BINARY, ["--version"], { stdio: "ignore" }).status === 0;
}

