// The page ships in the package: the files the server serves exist under assets/observer/, which
// package.json's "files" includes, at the same path from src/observer/ and from dist/observer/.
// And the README's picture exists, made by the script it names.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAssets } from "../../src/observer/assets.ts";
import { ROOT } from "../helpers/run-example.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[]; scripts: Record<string, string>; devDependencies: Record<string, string> };

describe("the Observer's package", () => {
  it("ships the page's files", async () => {
    expect(pkg.files).toContain("assets/observer/*");
    const assets = await loadAssets();
    expect([...assets.keys()]).toEqual(["/", "/observer.js", "/observer.css"]);
    for (const asset of assets.values()) expect(asset.body.length).toBeGreaterThan(100);
  });

  it("finds them from dist/ as from src/: both sit two levels below the package root", () => {
    const source = readFileSync(join(ROOT, "src/observer/assets.ts"), "utf8");
    expect(source).toContain('new URL("../../assets/observer/", import.meta.url)');
    expect(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")).toMatch(/"rootDir": "src",\s+"outDir": "dist"/);
  });

  it("has the README's screenshot and the script that makes it", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("](docs/observer.png)");
    expect(existsSync(join(ROOT, "docs/observer.png"))).toBe(true);
    expect(readme).toContain("`npm run observer:screenshot`");
    expect(pkg.scripts["observer:screenshot"]).toBe("tsx scripts/observer-screenshot.ts");
    expect(pkg.devDependencies["playwright-core"]).toBeDefined();
  });
});
