// Every error class has a stable code, distinct from the others, and the README's errors table
// shows it beside the class.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.ts";
import { ParleyError } from "../../src/index.ts";
import { ROOT } from "../helpers/run-example.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("error codes", () => {
  const classes = Object.entries(api).filter(([, v]) => typeof v === "function" && v.prototype instanceof ParleyError) as [string, new (...args: unknown[]) => ParleyError][];

  it("gives every class an ERR_ code of its own", () => {
    const codes = classes.map(([, cls]) => new cls().code);
    for (const code of codes) expect(code).toMatch(/^ERR_[A-Z_]+$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("shows each code beside its class in the README", () => {
    for (const [name, cls] of classes) expect(readme).toContain(`| \`${name}\` | \`${new cls().code}\` |`);
  });
});
