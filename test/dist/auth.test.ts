// Nodes authenticate to NATS through connectOptions: without the server's token Node.start
// rejects NodeError naming the URL; with it the node joins.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcp, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Node } from "../../src/dist/node.ts";
import { NodeError } from "../../src/dist/errors.ts";
import { describeWithNats, natsRestartable } from "../helpers/nats.ts";
import { FAST } from "./support.ts";

describeWithNats("NATS authentication", () => {
  let server: ChildProcess | undefined;
  let url = "";
  let dir = "";
  beforeAll(async () => {
    if (!natsRestartable) return;
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), "parley-auth-"));
    server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir, "--auth", "s3cret"], { stdio: "ignore" });
    url = `nats://127.0.0.1:${port}`;
    await accepting(port);
  }, 20_000);
  afterAll(async () => {
    if (server === undefined) return;
    const gone = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await gone;
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Node.stop();
  });

  it.skipIf(!natsRestartable)("rejects NodeError without the token, joins with it", async () => {
    const refused = Node.start("t", { servers: url, cluster: "auth", ...FAST, connectTimeoutMs: 2000 });
    await expect(refused).rejects.toThrow(NodeError);
    await expect(refused).rejects.toMatchObject({ reason: ["unreachable", url] });
    await expect(Node.start("t", { servers: url, cluster: "auth", ...FAST, connectOptions: { token: "wrong" }, connectTimeoutMs: 2000 })).rejects.toThrow(NodeError);
    // Credentials in the URL never reach the error: it names the server with them redacted.
    const withSecret = url.replace("nats://", "nats://user:hunter2pw@");
    const leaked = await Node.start("t", { servers: withSecret, cluster: "auth", ...FAST, connectTimeoutMs: 2000 }).catch((err: unknown) => err);
    expect(leaked).toMatchObject({ name: "NodeError", reason: ["unreachable", url.replace("nats://", "nats://redacted:redacted@")] });
    expect(String(leaked)).not.toContain("hunter2pw");
    expect(Node.alive()).toBe(false);
    await Node.start("t", { servers: url, cluster: "auth", ...FAST, connectOptions: { token: "s3cret" } });
    expect(Node.alive()).toBe(true);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function accepting(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcp(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      }).on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not accept on ${port}`);
}
