/**
 * What the page may do to a process, and the checks before it is done: a well-formed request, the
 * Observer's token (compared in constant time), and a live target. Each action is the public
 * call a program would make: `exit`, `sys.suspend`/`resume`/`trace`, `Parley.disconnect`/`connect`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { describeClient } from "../client/introspection.ts";
import { Parley } from "../client/parley.ts";
import { behaviourOf } from "../runtime/behaviours/behaviour-process.ts";
import { sys } from "../runtime/behaviours/sys.ts";
import { findProcess } from "../runtime/introspection.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { lookup } from "../runtime/process/process.ts";
import { exit } from "../runtime/process/spawn.ts";
import { forPage } from "./redaction.ts";
import type { ActionName, ActionRequest, ActionResult } from "./wire.ts";

const ACTIONS: ReadonlySet<string> = new Set<ActionName>(["kill", "suspend", "resume", "trace", "connect", "disconnect"]);
const MAX_REASON = 200;
/** How long a `sys` call from the page may wait for its process. */
const SYS_TIMEOUT_MS = 2000;

/**
 * Checks and runs one request from the page. `token` is the Observer's (undefined: every action is
 * refused). Never throws: a refusal or a failure is a result with `ok: false`.
 */
export async function runAction(msg: Record<string, unknown>, token: string | undefined): Promise<ActionResult> {
  const id = typeof msg.id === "number" && Number.isSafeInteger(msg.id) ? msg.id : 0;
  const req = parseAction(msg, id);
  if (typeof req === "string") return { type: "result", id, ok: false, message: req };
  if (token === undefined) return refuse(id, "refused: the Observer was started without a token, so it takes no actions");
  if (!sameToken(req.token, token)) return refuse(id, "refused: wrong or missing token");
  const pid = findProcess(req.pid);
  if (pid === undefined) return refuse(id, `no process ${req.pid}`);
  const unfit = unfitTarget(req.action, pid);
  if (unfit !== undefined) return refuse(id, `${describe(req)} refused: ${req.pid} is ${unfit}`);
  try {
    await perform(req, pid);
    return { type: "result", id, ok: true, message: describe(req) };
  } catch (err) {
    return refuse(id, `${describe(req)} failed: ${forPage(err)}`);
  }
}

/** What an action does, as the feed and the result show it. */
export function describe(req: ActionRequest): string {
  switch (req.action) {
    case "kill":
      return `exit(${req.pid}, ${JSON.stringify(req.reason)})`;
    case "trace":
      return `sys.trace(${req.pid}, ${req.on})`;
    case "connect":
    case "disconnect":
      return `Parley.${req.action}(${req.pid})`;
    default:
      return `sys.${req.action}(${req.pid})`;
  }
}

function perform(req: ActionRequest, pid: Pid): Promise<void> {
  switch (req.action) {
    case "kill":
      exit(pid, req.reason);
      return Promise.resolve();
    case "suspend":
      return sys.suspend(pid, SYS_TIMEOUT_MS);
    case "resume":
      return sys.resume(pid, SYS_TIMEOUT_MS);
    case "trace":
      return sys.trace(pid, req.on, SYS_TIMEOUT_MS);
    case "connect":
      return Parley.connect(pid);
    case "disconnect":
      return Parley.disconnect(pid);
  }
}

/** Why `pid` cannot take `action` (a plain process has no `sys`, only a client connects), if so. */
function unfitTarget(action: ActionName, pid: Pid): string | undefined {
  if (action === "kill") return undefined;
  const proc = lookup(pid);
  const host = proc === undefined ? undefined : behaviourOf(proc);
  if (host === undefined) return "a plain process, not a behaviour";
  if ((action === "connect" || action === "disconnect") && describeClient(host) === undefined) return "not a WebSocket client";
  return undefined;
}

/** The request, or what is wrong with it. */
function parseAction(msg: Record<string, unknown>, id: number): ActionRequest | string {
  const { action, pid, token, reason, on } = msg;
  if (typeof action !== "string" || !ACTIONS.has(action)) return `unknown action ${forPage(action)} (known: ${[...ACTIONS].join(", ")})`;
  if (typeof pid !== "string" || pid.length > 40) return `invalid pid ${forPage(pid)}: expected a pid as the page shows it, e.g. "<0.42.0>"`;
  if (token !== undefined && typeof token !== "string") return "invalid token: expected a string";
  if (reason !== undefined && (typeof reason !== "string" || reason === "" || reason.length > MAX_REASON)) {
    return `invalid reason: expected a non-empty string of at most ${MAX_REASON} characters`;
  }
  if (action === "trace" && typeof on !== "boolean") return "invalid on: expected true or false for trace";
  return { id, action: action as ActionName, pid, token: token ?? "", reason: reason ?? "kill", on: on === true };
}

/** Constant-time comparison: hashing first makes both sides the same length. */
function sameToken(given: string, token: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(given), digest(token));
}

function refuse(id: number, message: string): ActionResult {
  return { type: "result", id, ok: false, message };
}
