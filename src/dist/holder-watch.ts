/**
 * The process of a name table that monitors the holders of names on other nodes, as `:global`
 * does: ["watch", holder] monitors `holder.pid` (and keeps the monitor in `holder.monitor`),
 * ["unwatch", holder] takes it back, and a DOWN (the holder ended, its node went down, or was down
 * already) calls `down` with the holder, once.
 */
import { demonitor, monitor } from "../runtime/process/monitors.ts";
import type { Pid, Ref } from "../runtime/process/pid.ts";
import { receive } from "../runtime/process/receive.ts";

/** What the watcher is given: a holder's Pid, and a slot for the monitor it makes. */
export interface Holder {
  readonly pid: Pid;
  monitor?: Ref;
}

/** The body of the watcher process (spawn it): runs until killed. */
export async function watchHolders<H extends Holder>(down: (holder: H) => void): Promise<never> {
  const watched = new Map<Ref, H>();
  for (;;) {
    const msg = (await receive()) as readonly [string, ...unknown[]];
    if (msg[0] === "watch") {
      const holder = msg[1] as H;
      holder.monitor = monitor(holder.pid);
      watched.set(holder.monitor, holder);
    } else if (msg[0] === "unwatch") {
      const holder = msg[1] as H;
      if (holder.monitor !== undefined && watched.delete(holder.monitor)) demonitor(holder.monitor);
    } else if (msg[0] === "DOWN") {
      const holder = watched.get(msg[1] as Ref);
      if (holder !== undefined) {
        watched.delete(msg[1] as Ref);
        down(holder);
      }
    }
  }
}
