/**
 * The demo's terminal view. On a TTY it redraws one screen in place (ANSI cursor movement); when
 * stdout is a pipe or a file it prints plain lines instead: events as they happen and a one-line
 * status every few seconds, so logs and CI output stay readable.
 */

/** One client's row. */
export interface ClientRow {
  readonly symbol: string;
  /** The connection state from `Parley.status`, or `"down"` while no process holds the name. */
  readonly state: string;
  /** The current retry number (`Parley.status(...).attempt`). */
  readonly attempt: number;
  /** Retries scheduled so far (telemetry: `parley:reconnect:scheduled`). */
  readonly retries: number;
  readonly restarts: number;
  readonly reconnects: number;
  readonly frames: number;
  readonly lastSeq: number;
  readonly price: number | undefined;
  readonly gaps: number;
}

/** Everything one screen shows. */
export interface Screen {
  readonly title: string;
  readonly elapsedS: number;
  readonly durationS: number;
  readonly phase: string;
  readonly rows: readonly ClientRow[];
}

const EVENTS_SHOWN = 6;
const PLAIN_STATUS_EVERY_MS = 2000;

export class View {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #color: boolean;
  readonly #events: string[] = [];
  /** The moments the demo is about (a client killed, the server killed and back): never scrolled away. */
  readonly #keyEvents: string[] = [];
  #linesDrawn = 0;
  #lastPlainStatus = -Infinity;
  #startedAt = performance.now();

  constructor(out: NodeJS.WriteStream = process.stdout) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#color = this.#tty && process.env["NO_COLOR"] === undefined;
    if (this.#tty) out.write("\x1b[?25l"); // hide the cursor while redrawing
  }

  /** True when the view redraws in place. */
  get tty(): boolean {
    return this.#tty;
  }

  /** Records an event: printed at once as a plain line, or shown under the table on a TTY. */
  event(text: string): void {
    const line = `[${this.#clock()}] ${text}`;
    if (this.#tty) {
      this.#events.push(line);
      if (this.#events.length > EVENTS_SHOWN) this.#events.shift();
    } else {
      this.#out.write(`${line}\n`);
    }
  }

  /** Records a key event: like `event`, and kept on screen, and in the summary, to the end. */
  keyEvent(text: string): void {
    this.#keyEvents.push(`[${this.#clock()}] ${text}`);
    this.event(text);
  }

  /** Draws the screen (TTY), or prints a one-line status every couple of seconds (plain). */
  render(screen: Screen): void {
    if (this.#tty) {
      this.#redraw(this.#screenLines(screen));
      return;
    }
    const now = performance.now();
    if (now - this.#lastPlainStatus < PLAIN_STATUS_EVERY_MS) return;
    this.#lastPlainStatus = now;
    const clients = screen.rows.map((r) => `${r.symbol} ${r.state} ${r.frames}`).join(" | ");
    this.#out.write(`[${this.#clock()}] ${screen.phase}: ${clients}\n`);
  }

  /**
   * Leaves the last screen (which shows the key events) on the terminal and prints `lines` below
   * it; as plain lines, the key events come first, since the event lines above have scrolled away.
   */
  finish(lines: readonly string[]): void {
    if (this.#tty) this.#out.write("\x1b[?25h");
    this.#linesDrawn = 0;
    const key = this.#tty || this.#keyEvents.length === 0 ? [] : ["What happened", ...this.#keyEvents.map((e) => `  ${e}`), ""];
    this.#out.write(`\n${[...key, ...lines].join("\n")}\n`);
  }

  /** Shows the cursor again (on any exit, in case `finish` never ran). */
  restoreCursor(): void {
    if (this.#tty) this.#out.write("\x1b[?25h");
  }

  #screenLines(s: Screen): string[] {
    const lines = [
      this.#bold(s.title),
      `${progress(s.elapsedS, s.durationS)} ${s.elapsedS.toFixed(1)} s / ${s.durationS} s   ${s.phase}`,
      "",
      this.#dim(formatRow(HEADER)),
    ];
    for (const r of s.rows) lines.push(this.#row(r));
    if (this.#keyEvents.length > 0) {
      lines.push("", this.#dim("what happened"));
      for (const e of this.#keyEvents) lines.push(`  ${e}`);
    }
    lines.push("", this.#dim("latest events"));
    for (const e of this.#events) lines.push(`  ${e}`);
    return lines;
  }

  #row(r: ClientRow): string {
    const cells = rowCells(r);
    const state = cells[1]!.padEnd(WIDTHS[1]!);
    const colored = r.state === "connected" ? this.#green(state) : r.state === "connecting" ? this.#yellow(state) : this.#red(state);
    return [cells[0]!.padEnd(WIDTHS[0]!), colored, ...cells.slice(2).map((c, i) => c.padStart(WIDTHS[i + 2]!))].join("  ");
  }

  #redraw(lines: readonly string[]): void {
    const columns = this.#out.columns || 120;
    let text = this.#linesDrawn > 0 ? `\x1b[${this.#linesDrawn}F` : "";
    for (const line of lines) text += `\x1b[2K${clip(line, columns)}\n`;
    text += "\x1b[J"; // clear whatever the previous, longer screen left below
    this.#out.write(text);
    this.#linesDrawn = lines.length;
  }

  #clock(): string {
    return `${((performance.now() - this.#startedAt) / 1000).toFixed(1).padStart(5)}s`;
  }

  #bold(t: string): string {
    return this.#color ? `\x1b[1m${t}\x1b[0m` : t;
  }
  #dim(t: string): string {
    return this.#color ? `\x1b[2m${t}\x1b[0m` : t;
  }
  #green(t: string): string {
    return this.#color ? `\x1b[32m${t}\x1b[0m` : t;
  }
  #yellow(t: string): string {
    return this.#color ? `\x1b[33m${t}\x1b[0m` : t;
  }
  #red(t: string): string {
    return this.#color ? `\x1b[31m${t}\x1b[0m` : t;
  }
}

const HEADER = ["symbol", "state", "attempt", "retries", "restarts", "reconnects", "frames", "last seq", "price", "gaps"];
const WIDTHS = [6, 12, 7, 7, 8, 10, 7, 8, 12, 4];

function rowCells(r: ClientRow): string[] {
  return [
    r.symbol,
    r.state,
    String(r.attempt),
    String(r.retries),
    String(r.restarts),
    String(r.reconnects),
    String(r.frames),
    String(r.lastSeq),
    r.price === undefined ? "-" : String(r.price),
    String(r.gaps),
  ];
}

function formatRow(cells: readonly string[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join("  ");
}

function progress(elapsed: number, total: number): string {
  const width = 20;
  const done = Math.max(0, Math.min(width, Math.round((elapsed / total) * width)));
  return `[${"#".repeat(done)}${".".repeat(width - done)}]`;
}

/** Cuts a line to the terminal width, not counting ANSI escapes. */
function clip(line: string, columns: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= columns - 1) return `${out}\x1b[0m`;
    out += line[i];
    visible++;
  }
  return out;
}
