/**
 * `GenServer.multiCall` and `GenServer.abcast`: one request to the server registered under the same
 * local name on each of several nodes, as Erlang's `gen_server:multi_call/4` and `abcast/3`. Each
 * goes to `{ name, node }`, so it needs nothing of distribution beyond that destination: on a
 * single node, the only node is `"nonode@nohost"` and every other is a bad node.
 */
import { OptionsError } from "../errors.ts";
import { call, cast } from "./gen-call.ts";
import { checkTimeout } from "../process/deadlines.ts";

/**
 * Calls the server named `name` on every node of `nodes` at once and waits for all of them, at most
 * `timeoutMs`. Resolves `[replies, badNodes]`: `[node, reply]` for each node that answered, in the
 * order of `nodes`, and the nodes that did not (down, no such name there, crashed, timed out).
 * @throws OptionsError (rejection) for a `nodes` that is not an array of node names, an empty `name`
 *   or a bad timeout.
 */
export async function multiCall(nodes: readonly string[], name: string, request: unknown, timeoutMs = 5000): Promise<[Array<[string, unknown]>, string[]]> {
  checkNodes(nodes);
  checkName(name);
  checkTimeout(timeoutMs);
  const outcomes = await Promise.allSettled(nodes.map((node) => call({ name, node }, request, timeoutMs)));
  const replies: Array<[string, unknown]> = [];
  const bad: string[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") replies.push([nodes[i]!, outcome.value]);
    else bad.push(nodes[i]!);
  });
  return [replies, bad];
}

/**
 * Casts `msg` to the server named `name` on every node of `nodes`; never fails (a node that is down
 * or has no such name drops it).
 * @throws OptionsError for a `nodes` that is not an array of node names or an empty `name`.
 */
export function abcast(nodes: readonly string[], name: string, msg: unknown): void {
  checkNodes(nodes);
  checkName(name);
  for (const node of nodes) cast({ name, node }, msg);
}

function checkNodes(nodes: unknown): void {
  if (!Array.isArray(nodes) || !nodes.every((n) => typeof n === "string" && n.length > 0)) {
    throw new OptionsError("nodes", nodes, "an array of node names");
  }
}

function checkName(name: unknown): void {
  if (typeof name !== "string" || name.length === 0) throw new OptionsError("name", name, "a non-empty string (a local name on each node)");
}
