// The API reference as a reader sees it, checked on the built HTML rather than on screenshots: grouped
// by area, the package comment on the package page only, and the README's diagram drawn, not printed.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-example.ts";

const TYPEDOC = join(ROOT, "node_modules", "typedoc", "bin", "typedoc");
const CATEGORIES = ["Processes", "Names", "Behaviours", "Supervisors", "Client", "Distribution", "Telemetry", "Errors"];

let out: string;
const page = (file: string): string => readFileSync(join(out, file), "utf8");

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "parley-docs-"));
  // The project's typedoc.json, warnings as errors, into a scratch directory.
  await promisify(execFile)(process.execPath, [TYPEDOC, "--out", out], { cwd: ROOT });
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("API reference", () => {
  it("groups the package's exports by area, with no kind groups such as Variables", () => {
    const headings = [...page("modules.html").matchAll(/<h2[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(headings).toEqual(CATEGORIES);
    // Registry and sys are objects, which TypeDoc would otherwise list under "Variables".
    const names = page("modules.html").slice(page("modules.html").indexOf(">Names<"), page("modules.html").indexOf(">Behaviours<"));
    expect(names).toContain("Registry");
    const behaviours = page("modules.html").slice(page("modules.html").indexOf(">Behaviours<"), page("modules.html").indexOf(">Supervisors<"));
    expect(behaviours).toMatch(/>sys</);
  });

  it("shows the package comment on the package page only", () => {
    const pages = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".html"));
    expect(pages.length).toBeGreaterThan(100);
    const carrying = pages.filter((f) => page(f).includes("The reference is grouped by area"));
    expect(carrying).toEqual(["modules.html"]);
    expect(pages.filter((f) => page(f).includes("This file only re-exports"))).toEqual([]);
  });

  it("draws the README's Mermaid diagram as the SVG that says the same", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const mermaid = /^```mermaid\n([\s\S]*?)^```$/m.exec(readme)![1]!;
    expect(page("index.html")).toContain('<img src="media/client-lifecycle.svg"');
    expect(page("index.html")).not.toContain("stateDiagram-v2");
    expect(existsSync(join(out, "media", "client-lifecycle.svg"))).toBe(true);

    const svg = readFileSync(join(ROOT, "docs", "client-lifecycle.svg"), "utf8");
    const drawn = [...svg.matchAll(/<t(?:ext|span)\b[^>]*>([^<]+)</g)].map((m) => m[1]!.trim()).join(" ");
    const transitions = [...mermaid.matchAll(/^\s*(\S+) --> (\S+): (.+)$/gm)];
    expect(transitions).toHaveLength(8);
    for (const [, from, to, label] of transitions) {
      for (const state of [from, to]) if (state !== "[*]") expect(drawn).toContain(state);
      expect(drawn, `the SVG lacks the transition ${from} --> ${to}`).toContain(label);
    }
  });
});
