/**
 * A GenServer under a Supervisor, no WebSockets: the Stack and its module-based supervisor from
 * Elixir's GenServer and Supervisor guides, ported line by line. Popping an empty stack crashes the server; the supervisor starts a
 * new one with the initial state, under the same name.
 *
 *   npx tsx examples/gen-server-supervisor.ts
 */
import { pino } from "pino";
import { type ChildSpec, ExitError, type From, GenServer, type Pid, setLogger, Supervisor } from "../src/index.ts";

// The default logger writes pino JSON to stderr; print one short line per report instead.
setLogger(pino({ base: null }, { write: (line: string) => console.log(`  (log) ${(JSON.parse(line) as { msg: string }).msg}`) }));

class Stack extends GenServer<readonly string[]> {
  /** Elixir's `def start_link(default)`: start linked, registered as "stack". */
  static override startLink(elements: string): Promise<Pid> {
    return GenServer.startLink(Stack, elements, { name: "stack" });
  }

  /** `[Stack, "hello,world"]` as a child starts it with the startLink above. */
  static override childSpec(elements: string): ChildSpec {
    return { id: Stack, start: () => Stack.startLink(elements) };
  }

  override init(elements: string) {
    return ["ok", elements.split(",")] as const;
  }

  override handleCall(_request: "pop", _from: From, [head, ...tail]: readonly string[]) {
    if (head === undefined) throw new Error("pop from an empty stack");
    return ["reply", head, tail] as const;
  }

  override handleCast([, element]: readonly ["push", string], state: readonly string[]) {
    return ["noreply", [element, ...state]] as const;
  }
}

/** Elixir's `use Supervisor` with `init/1`. */
class StackSupervisor extends Supervisor {
  override init(elements: string) {
    return Supervisor.init([[Stack, elements]], { strategy: "one_for_one" });
  }
}

const sup = await StackSupervisor.startLink("hello,world");

console.log(await GenServer.call("stack", "pop")); // hello
GenServer.cast("stack", ["push", "parley"]);
console.log(await GenServer.call("stack", "pop")); // parley
console.log(await GenServer.call("stack", "pop")); // world

try {
  await GenServer.call("stack", "pop"); // the stack is empty: the server crashes
} catch (err) {
  console.log(`call failed: ${(err as ExitError).name}, the server exited`);
}

// The supervisor handles the exit before it answers this call, so the new Stack is running now.
const [child] = await Supervisor.whichChildren(sup);
console.log(`restarted as ${String(child?.pid)}`); // restarted as #PID<0.4.0>
console.log(await GenServer.call("stack", "pop")); // hello: a fresh Stack with the initial state

await Supervisor.stop(sup);
