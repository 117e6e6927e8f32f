// Single-node users pay nothing for distribution: importing the package loads neither the NATS
// client nor the codec, nor the parts of src/dist that use them. They load at Node.start.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./fixtures/loaded-modules.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HEAVY = [/\/@nats-io\//, /\/msgpackr\//, /\/src\/dist\/(cluster|codec|name-table|transport|cluster-supervisor-process|cluster-supervisor-store|link-watch)\.ts$/];

describe("single node pays nothing", () => {
  it('import "parley-ts" loads no NATS client, no codec, no cluster code', async () => {
    const loaded = await modulesLoadedBy("src/index.ts");
    expect(loaded.some((url) => url.endsWith("/src/index.ts"))).toBe(true);
    expect(loaded.filter((url) => HEAVY.some((re) => re.test(url)))).toEqual([]);
  });

  it("the check sees them when they are loaded", async () => {
    const [table, codec] = await Promise.all([modulesLoadedBy("src/dist/name-table.ts"), modulesLoadedBy("src/dist/codec.ts")]);
    expect(table.some((url) => /\/@nats-io\/kv\//.test(url))).toBe(true);
    expect(codec.some((url) => /\/msgpackr\//.test(url))).toBe(true);
  });
});

function modulesLoadedBy(entry: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = fork(FIXTURE, [`${ROOT}${entry}`], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: string[] | undefined;
    child.on("message", (msg: string[]) => (result = msg));
    child.on("error", reject);
    child.on("exit", (code) => (result === undefined ? reject(new Error(`fixture exited ${code} without a report`)) : resolve(result)));
  });
}
