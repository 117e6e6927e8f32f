// Starts bench/echo-server.ts in a child process and hands back its URL.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface EchoProcess {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Ends the child and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./echo-server.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Spawns a fresh echo server (`node --import tsx bench/echo-server.ts`) and resolves once it
 * printed its port. Rejects if it exits first or stays silent for 15 s.
 */
export async function startEchoProcess(): Promise<EchoProcess> {
  // cwd = project root so `--import tsx` resolves from this project's node_modules.
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    const line = await firstLine(child.stdout, exited);
    const { port } = JSON.parse(line) as { port: number };
    return { url: `ws://127.0.0.1:${port}`, pid: child.pid ?? 0, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs `fn` against a fresh echo server and always stops it afterwards. */
export async function withEchoServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const echo = await startEchoProcess();
  try {
    return await fn(echo.url);
  } finally {
    await echo.stop();
  }
}

async function firstLine(stdout: NodeJS.ReadableStream, exited: Promise<unknown>): Promise<string> {
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      once(lines, "line").then(([line]) => String(line)),
      exited.then(() => Promise.reject(new Error("echo server exited before printing its port"))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("echo server printed no port within 15 s")), 15_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}
