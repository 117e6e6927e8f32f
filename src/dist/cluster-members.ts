/**
 * The other nodes running one ClusterSupervisor, as its process on this node sees them: the
 * members its bucket lists, each with a monitor on its supervisor process. A member whose process
 * is DOWN (it exited, or its node went down) no longer counts for placement. Every method runs in
 * the supervisor's process (monitor and demonitor act for the calling process).
 */
import { demonitor, monitor } from "../runtime/process/monitors.ts";
import type { Pid, Ref } from "../runtime/process/pid.ts";
import { pidFromWire } from "./remote-pids.ts";

interface Member {
  readonly pid: Pid;
  readonly ref: Ref;
  readonly revision: number;
  down: boolean;
}

/** The members other than this node. */
export class SupervisorMembers {
  readonly #members = new Map<string, Member>();

  constructor(readonly self: string) {}

  /** Follows the bucket's list (node → Pid wire form): monitors new members, forgets gone ones. */
  sync(seen: ReadonlyMap<string, { readonly pid: unknown; readonly revision: number }>): void {
    for (const [node, entry] of seen) {
      if (node === this.self) continue;
      let pid: Pid;
      try {
        pid = pidFromWire(entry.pid);
      } catch {
        continue;
      }
      const known = this.#members.get(node);
      if (known?.pid === pid) continue;
      if (known !== undefined) demonitor(known.ref);
      this.#members.set(node, { pid, ref: monitor(pid), revision: entry.revision, down: false });
    }
    for (const [node, member] of this.#members) {
      if (seen.has(node)) continue;
      demonitor(member.ref);
      this.#members.delete(node);
    }
  }

  /** A DOWN arrived for `ref`: the member it was for (node and entry revision), now down. */
  down(ref: Ref): { readonly node: string; readonly revision: number } | undefined {
    for (const [node, member] of this.#members) {
      if (member.ref !== ref) continue;
      member.down = true;
      return { node, revision: member.revision };
    }
    return undefined;
  }

  /** The nodes that count for placement: this one and every member up. */
  live(): string[] {
    return [this.self, ...[...this.#members].filter(([, m]) => !m.down).map(([node]) => node)];
  }

  /** The supervisor processes of the members up. */
  pids(): Pid[] {
    return [...this.#members.values()].filter((m) => !m.down).map((m) => m.pid);
  }
}
