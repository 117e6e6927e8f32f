/**
 * What runs inside a GenServer's process: each call, cast or plain message goes to its callback,
 * and the callback's result (checked against its union) updates the state, replies or stops.
 */
import { BadReturnError } from "../errors.ts";
import { CallRequest, CastRequest, type From, reply } from "./gen-call.ts";
import { BehaviourProcess, type Stop } from "./behaviour-process.ts";
import type { MaybePromise } from "./maybe-promise.ts";
import { isPromiseLike } from "../predicates.ts";

/**
 * The callbacks the process runs: what a GenServer subclass provides. The results are checked
 * here, whatever their static type says, so the engine does not depend on the public class.
 */
export interface ServerCallbacks {
  init(arg: unknown): MaybePromise<unknown>;
  handleCall(request: unknown, from: From, state: unknown): MaybePromise<unknown>;
  handleCast(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleInfo(msg: unknown, state: unknown): MaybePromise<unknown>;
  terminate(reason: unknown, state: unknown): unknown;
}

/** A GenServer's process: its state and the application of each callback's result. */
export class ServerProcess extends BehaviourProcess {
  state: unknown = undefined;

  constructor(
    module: { readonly name: string },
    readonly server: ServerCallbacks,
  ) {
    super(module);
  }

  async init(arg: unknown): Promise<Stop | undefined> {
    this.callback = "init";
    const r = await this.server.init(arg);
    if (Array.isArray(r) && r.length === 2) {
      if (r[0] === "ok") {
        this.state = r[1];
        return undefined;
      }
      if (r[0] === "stop") return { reason: r[1] };
    }
    throw new BadReturnError("init", r);
  }

  dispatch(msg: unknown): Stop | undefined | Promise<Stop | undefined> {
    if (msg instanceof CallRequest) {
      this.callback = "handleCall";
      const r = this.server.handleCall(msg.request, msg.from, this.state);
      return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterCall(v, msg.from)) : this.afterCall(r, msg.from);
    }
    let r: MaybePromise<unknown>;
    if (msg instanceof CastRequest) {
      this.callback = "handleCast";
      r = this.server.handleCast(msg.msg, this.state);
    } else {
      this.callback = "handleInfo";
      r = this.server.handleInfo(msg, this.state);
    }
    return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterNoreply(v)) : this.afterNoreply(r);
  }

  afterCall(r: unknown, from: From): Stop | undefined {
    if (Array.isArray(r)) {
      if (r[0] === "reply" && r.length === 3) {
        this.state = r[2];
        this.countOut();
        reply(from, r[1]);
        return undefined;
      }
      if (r[0] === "noreply" && r.length === 2) {
        this.state = r[1];
        return undefined;
      }
      if (r[0] === "stop" && r.length === 4) {
        this.state = r[3];
        reply(from, r[2]);
        return { reason: r[1] };
      }
      if (r[0] === "stop" && r.length === 3) {
        this.state = r[2];
        return { reason: r[1] };
      }
    }
    throw new BadReturnError("handleCall", r);
  }

  afterNoreply(r: unknown): Stop | undefined {
    if (Array.isArray(r)) {
      if (r[0] === "noreply" && r.length === 2) {
        this.state = r[1];
        return undefined;
      }
      if (r[0] === "stop" && r.length === 3) {
        this.state = r[2];
        return { reason: r[1] };
      }
    }
    throw new BadReturnError(this.callback, r);
  }

  terminate(reason: unknown): unknown {
    return this.server.terminate(reason, this.state);
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state;
  }

  status(): { state: unknown; data: unknown } {
    return { state: undefined, data: this.state };
  }
}
