/**
 * The house rules the README's architecture section states: no import circle in src (type-only
 * imports count), src/runtime imports nothing from the rooms built on it, and src never imports a
 * devDependency (the bench's peers among them).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

describe("architecture", () => {
  const graph = importGraph(SRC);

  it("has no import circle in src, type-only imports included", () => {
    const circles = stronglyConnected(graph).filter((c) => c.length > 1 || graph.get(c[0]!)!.includes(c[0]!));
    expect(circles.map((c) => c.map((f) => relative(SRC, f)).sort())).toEqual([]);
  });

  it("keeps src/runtime free of imports from supervisor, client and dist", () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      if (!relative(SRC, file).startsWith("runtime/")) continue;
      for (const dep of deps) {
        if (/^(supervisor|client|dist)\//.test(relative(SRC, dep))) bad.push(`${relative(SRC, file)} -> ${relative(SRC, dep)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("imports in src only node builtins, its own files and runtime dependencies (never a devDependency)", () => {
    const pkg = JSON.parse(readFileSync(resolve(SRC, "../package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const allowed = new Set([...Object.keys(pkg["dependencies"] ?? {}), ...Object.keys(pkg["optionalDependencies"] ?? {})]);
    // Static imports and re-exports, and `import("x")`; relative paths are the graph's business.
    const re = /(?:(?:^|\n)\s*(?:import|export)\s(?:[^;]*?\sfrom\s)?\s*|\bimport\(\s*)["']([^."'][^"']*)["']/g;
    const bad: string[] = [];
    for (const file of graph.keys()) {
      for (const m of readFileSync(file, "utf8").matchAll(re)) {
        const spec = m[1]!;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!spec.startsWith("node:") && !allowed.has(name)) bad.push(`${relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("names in the README's architecture section only files and folders that exist, and every room", () => {
    const readme = readFileSync(resolve(SRC, "../README.md"), "utf8");
    const start = readme.indexOf("## Architecture");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const named = [...section.matchAll(/`([\w-]+\.ts)`/g)].map((m) => m[1]!);
    const files = new Set([...graph.keys()].map((f) => f.slice(f.lastIndexOf("/") + 1)));
    expect(named.filter((f) => !files.has(f))).toEqual([]);
    for (const room of ["runtime/process/", "runtime/names/", "runtime/behaviours/", "supervisor/", "client/", "observer/"]) {
      expect(section, room).toContain(room.slice(room.lastIndexOf("/", room.length - 2) + 1));
    }
  });

  it("finds circles when there are some (the check itself works)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(stronglyConnected(g).filter((c) => c.length > 1).map((c) => c.sort())).toEqual([["a", "b", "c"]]);
  });
});

/** Every .ts file under `dir` with the files its relative imports and re-exports name. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
  // `import ... from`, `import type ... from`, `export ... from`, and bare `import "x"`.
  const re = /(?:^|\n)\s*(?:import|export)\s(?:[^;]*?\sfrom\s)?\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const deps = [...text.matchAll(re)].map((m) => resolve(dirname(file), m[1]!));
    graph.set(file, deps);
  }
  return graph;
}

/** Tarjan's strongly connected components. */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component);
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return out;
}
