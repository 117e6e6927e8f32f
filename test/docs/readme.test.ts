// The README cannot drift from the code: its TypeScript blocks are excerpts of examples that are
// run by tests, its tables list exactly what the package exports, and every function it names exists.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.ts";
import { validateOptions } from "../../src/client/options.ts";
import { ParleyError } from "../../src/index.ts";
import { ROOT } from "../helpers/run-example.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function codeBlocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1]!);
}

/** The rows of the Markdown table that follows `heading`, as arrays of cells. */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(heading);
  expect(start, `README has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = readme.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

const firstCode = (cell: string) => /`([^`]+)`/.exec(cell)?.[1];
const normalize = (text: string) => text.split("\n").map((l) => l.trim()).join("\n").trim();

describe("README", () => {
  it("has the two quick-start commands", () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm ci && npm test");
  });

  it("takes every TypeScript block verbatim from an example", () => {
    const examples = filesUnder("examples", ".ts").map((f) => normalize(readFileSync(join(ROOT, f), "utf8")));
    const blocks = codeBlocks("ts");
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) {
      const found = examples.some((source) => `\n${source}\n`.includes(`\n${normalize(block)}\n`));
      expect(found, `README block is not an excerpt of any file in examples/:\n${block}`).toBe(true);
    }
  });

  it("has a Mermaid diagram of the client lifecycle with every state", () => {
    const [diagram] = codeBlocks("mermaid");
    for (const state of ["connecting", "connected", "closing", "disconnected"]) expect(diagram).toContain(state);
  });

  it("lists every example, and every example it lists exists and is run by a test", () => {
    const examples = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".ts"));
    const listed = [...readme.matchAll(/`npx tsx (examples\/[\w-]+\.ts)`/g)].map((m) => m[1]!);
    expect(new Set(listed)).toEqual(new Set(examples.map((f) => `examples/${f}`)));
    const tests = filesUnder("test/examples", ".test.ts").map((f) => readFileSync(join(ROOT, f), "utf8")).join("\n");
    for (const file of [...listed, "examples/demo/index.ts"]) expect(tests, `no test runs ${file}`).toContain(`"${file}"`);
  });

  it("names only functions that exist on the exported objects", () => {
    const mentioned = new Set([...readme.matchAll(/(?<![\w.])(Parley|GenServer|GenStatem|Supervisor|DynamicSupervisor|Registry|Global|sys|Task|TaskSupervisor|Agent)\.([a-z][a-zA-Z]*)\(/g)].map((m) => `${m[1]}.${m[2]}`));
    expect(mentioned.size).toBeGreaterThan(15);
    const exported = api as unknown as Record<string, Record<string, unknown> | undefined>;
    const missing = [...mentioned].filter((m) => {
      const [owner, fn] = m.split(".") as [string, string];
      return typeof exported[owner]?.[fn] !== "function";
    });
    expect(missing).toEqual([]);
  });

  it("lists exactly the exported error classes", () => {
    const listed = tableAfter("### Errors").map((row) => firstCode(row[0]!)!);
    const exported = Object.entries(api)
      .filter(([, v]) => typeof v === "function" && v.prototype instanceof ParleyError)
      .map(([k]) => k);
    expect(new Set(listed)).toEqual(new Set(exported));
  });

  it("lists exactly the telemetry channels", () => {
    const listed = tableAfter("### Telemetry").map((row) => firstCode(row[0]!)!);
    expect(new Set(listed)).toEqual(new Set(Object.values(api.channels).map((c) => c.name)));
  });

  it("lists exactly the client options", () => {
    const listed = tableAfter("### Client options").map((row) => firstCode(row[0]!)!);
    let known: string[] = [];
    try {
      validateOptions({ url: "ws://127.0.0.1/", notAnOption: true });
    } catch (err) {
      known = /one of the options ([\w, ]+?), got /.exec((err as Error).message)![1]!.split(", ");
    }
    expect(listed).toEqual(known);
  });
});
