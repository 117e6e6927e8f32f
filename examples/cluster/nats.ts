/**
 * The cluster examples' broker: a JetStream nats-server on a free loopback port, started from PATH,
 * or the one PARLEY_NATS_URL names.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A JetStream nats-server on a free loopback port (or PARLEY_NATS_URL), closed at the end. */
export async function startNats(): Promise<{ url: string; close(): Promise<void> }> {
  const external = process.env["PARLEY_NATS_URL"];
  if (external !== undefined) return { url: external, close: async () => undefined };
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "parley-cluster-"));
  const proc = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => proc.on("error", (err) => reject(new Error(`cannot run nats-server (install it, or set PARLEY_NATS_URL): ${err.message}`))));
  await Promise.race([failed, accepting(port)]);
  return {
    url: `nats://127.0.0.1:${port}`,
    close: async () => {
      const gone = new Promise((resolve) => proc.on("exit", resolve));
      proc.kill("SIGTERM");
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function accepting(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      }).on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not accept connections on port ${port}`);
}
