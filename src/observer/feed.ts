/**
 * The telemetry feed: the `parley:*` channels, subscribed while the Observer runs, each event
 * turned into redacted text at once (no payload is kept). `parley:frame:received` and
 * `parley:frame:sent` are left out: subscribing to them would make every client build a payload
 * per frame, and the client rows show frame rates from counters instead.
 */
import diagnostics_channel from "node:diagnostics_channel";
import { channels } from "../runtime/telemetry.ts";
import { forPage, nameForPage } from "./redaction.ts";
import type { FeedEvent } from "./wire.ts";

/** Events kept for a page that connects later. */
const KEEP = 200;
const PER_FRAME: ReadonlySet<string> = new Set(["parley:frame:received", "parley:frame:sent"]);

export class TelemetryFeed {
  #recent: FeedEvent[] = [];
  #pending: FeedEvent[] = [];
  #seq = 0;
  readonly #subscriptions: Array<readonly [string, (msg: unknown) => void]> = [];

  /** Subscribes to every channel but the per-frame ones. */
  start(): void {
    for (const channel of Object.values(channels)) {
      const name = String(channel.name);
      if (PER_FRAME.has(name)) continue;
      const onMessage = (msg: unknown): void => this.add(name, eventText(msg));
      diagnostics_channel.subscribe(name, onMessage);
      this.#subscriptions.push([name, onMessage]);
    }
  }

  stop(): void {
    for (const [name, onMessage] of this.#subscriptions.splice(0)) diagnostics_channel.unsubscribe(name, onMessage);
  }

  /** Records an event (telemetry, or an action taken from the page). */
  add(channel: string, text: string): void {
    const event: FeedEvent = { seq: ++this.#seq, at: Date.now(), channel, text };
    this.#recent.push(event);
    if (this.#recent.length > KEEP) this.#recent.shift();
    this.#pending.push(event);
    if (this.#pending.length > KEEP) this.#pending.shift();
  }

  /** The events since the previous `takeNew`. */
  takeNew(): FeedEvent[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /** The last events, oldest first, for a page that just connected. */
  recent(): readonly FeedEvent[] {
    return this.#recent;
  }
}

/** A payload as one line: a client's name as the page shows names, then the other fields. */
function eventText(msg: unknown): string {
  if (msg === null || typeof msg !== "object" || !("name" in msg)) return forPage(msg);
  const { name, ...rest } = msg as Record<string, unknown>;
  const shown = nameForPage(name);
  return shown === null ? forPage(rest) : `${shown} ${forPage(rest)}`;
}
