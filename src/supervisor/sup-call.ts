/** The request/answer plumbing between the supervisor functions and a supervisor's process. */
import { call } from "../runtime/behaviours/gen-call.ts";
import type { Dest } from "../runtime/names/names.ts";

/** What a supervisor answers to a request: a value, or the error the caller's promise rejects with. */
export type SupervisorAnswer = readonly ["ok", unknown] | readonly ["error", unknown];

/**
 * Sends `request` to the supervisor at `dest` and resolves its value, or rejects with the error it
 * answered. Like OTP, supervisor calls wait for ever: starting or stopping a child takes as long as
 * the child does.
 * @throws NoProcError when no process answers to `dest`; ExitError when it exits first.
 */
export async function supervisorCall(dest: Dest, request: readonly unknown[]): Promise<unknown> {
  const answer = (await call(dest, request, Infinity)) as SupervisorAnswer;
  if (answer[0] === "error") throw answer[1];
  return answer[1];
}
