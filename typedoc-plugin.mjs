// @ts-check
/**
 * The API reference's own TypeDoc plugin:
 * - files every export of src/index.ts under the category named by the `// @category Name` line
 *   above it, so the sidebar and the index group by area (Processes, Names, Behaviours, ...) as
 *   the entry point does, and a new export lands in its area without a tag of its own;
 * - shows the README's Mermaid diagram, which GitHub renders but TypeDoc prints as text, as the
 *   SVG drawing of it in docs/ (test/docs/api-reference.test.ts checks that both say the same).
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Comment, CommentTag, Converter, RendererEvent } from "typedoc";

const INDEX = "src/index.ts";
const DIAGRAM = "docs/client-lifecycle.svg";
const DIAGRAM_ALT = "The client's connection states: connecting, connected, closing, disconnected";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const categories = categoriesOf(readFileSync(INDEX, "utf8"));
    for (const reflection of context.project.children ?? []) {
      const category = categories.get(reflection.name);
      if (category === undefined) continue;
      reflection.comment ??= new Comment();
      reflection.comment.blockTags.push(new CommentTag("@category", [{ kind: "text", text: category }]));
    }
    const readme = context.project.readme;
    if (readme !== undefined) {
      context.project.readme = readme.map((part) =>
        part.kind === "code" && part.text.startsWith("```mermaid")
          ? { kind: "text", text: `<img src="media/client-lifecycle.svg" alt="${DIAGRAM_ALT}">` }
          : part,
      );
    }
  });
  app.renderer.on(RendererEvent.END, (event) => {
    mkdirSync(join(event.outputDirectory, "media"), { recursive: true });
    copyFileSync(DIAGRAM, join(event.outputDirectory, "media", "client-lifecycle.svg"));
  });
}

/**
 * Each exported name of the entry point with the category of its section.
 * @param {string} source
 * @returns {Map<string, string>}
 */
function categoriesOf(source) {
  /** @type {Map<string, string>} */
  const categories = new Map();
  let category = "";
  // One export statement may span lines: `export type {\n  A,\n  B,\n} from "...";`
  for (const statement of source.split(/;\s*\n/)) {
    for (const line of statement.split("\n")) {
      const heading = /^\/\/ @category (\w+)/.exec(line);
      if (heading !== null) category = heading[1] ?? "";
    }
    const names = /export (?:type )?\{([^}]*)\}/.exec(statement)?.[1];
    if (names === undefined) continue;
    for (const name of names.split(",")) {
      const exported = name.trim().split(/\s+as\s+/).pop();
      if (exported) categories.set(exported, category);
    }
  }
  return categories;
}
