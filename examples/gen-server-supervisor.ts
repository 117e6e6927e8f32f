/**
 * A GenServer under a Supervisor, no WebSockets: the Stack from Elixir's GenServer and Supervisor
 * guides, ported line by line. Popping an empty stack crashes the server; the supervisor starts a
 * new one with the initial state, under the same name.
 *
 *   npx tsx examples/gen-server-supervisor.ts
 */
import { pino } from "pino";
import { type ChildSpec, ExitError, type From, GenServer, setLogger, Supervisor } from "../src/index.ts";

// The default logger writes pino JSON to stderr; print one short line per report instead.
setLogger(pino({ base: null }, { write: (line: string) => console.log(`  (log) ${(JSON.parse(line) as { msg: string }).msg}`) }));

class Stack extends GenServer<readonly string[]> {
  /** `[Stack, "hello,world"]` as a child: start linked, registered as "stack". */
  static override childSpec(elements: string): ChildSpec {
    return { id: Stack, start: () => Stack.startLink(elements, { name: "stack" }) };
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

const sup = await Supervisor.startLink([[Stack, "hello,world"]], { strategy: "one_for_one" });

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
