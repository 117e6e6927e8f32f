/**
 * The page's files, shipped in the package under assets/observer/ (beside dist/, so this module
 * finds them at the same relative path from src/ and from dist/), read once per start.
 */
import { readFile } from "node:fs/promises";

/** A file the Observer serves. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const DIR = new URL("../../assets/observer/", import.meta.url);
const FILES: ReadonlyArray<readonly [string, string, string]> = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/observer.js", "observer.js", "text/javascript; charset=utf-8"],
  ["/observer.css", "observer.css", "text/css; charset=utf-8"],
];

/** The page's files by request path. */
export async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const entries = await Promise.all(FILES.map(async ([path, file, type]) => [path, { type, body: await readFile(new URL(file, DIR)) }] as const));
  return new Map(entries);
}

/**
 * Headers for every page response: nothing but the page's own files may load or run, no site may
 * frame it (a framed page could be clicked into acting), and no URL leaks in a Referer.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};
