/**
 * What runs inside a Parley client's process: the client's machine (client-machine.ts) hosted by
 * the state machine engine, and the start of a client, through the one start path of every
 * behaviour.
 */
import { OptionsError, StartError } from "../runtime/errors.ts";
import { behaviourOf, startProcess } from "../runtime/behaviours/behaviour-process.ts";
import type { StartOptions } from "../runtime/behaviours/start-options.ts";
import { StatemProcess } from "../runtime/behaviours/gen-statem-process.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";
import type { Transition } from "../runtime/behaviours/statem-actions.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { type ClientData, type ClientStatus, type ConnState, NO_CALLERS, statusOf } from "./client-data.ts";
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { ClientMeta } from "./telemetry.ts";
import type { Connection } from "./connection.ts";
import type { ClientOptions } from "./options.ts";
import { SendQueue } from "./send-queue.ts";
import type { PullBuffer } from "./pull-buffer.ts";
import { redactUrl } from "../runtime/secrets.ts";
import { type Dest, resolveProc } from "../runtime/names/names.ts";
import { currentProc } from "../runtime/process/process.ts";
import { CLIENT_MACHINE, type ClientMachine } from "./client-machine.ts";
import type { ClientCallbacks } from "./results.ts";
import { validateOptions } from "./options.ts";
import { shareOptions } from "./shared-options.ts";

/**
 * Starts a client from either form of `start`/`startLink`: `Parley.start(Module, arg, options)`,
 * where `self` is `base`, or `Module.start(arg, options)`. Rejects OptionsError for a module that
 * does not extend `base` or for bad options, StartError when the class's constructor throws or
 * the start fails.
 */
export function startClient(base: abstract new () => ClientCallbacks, self: unknown, args: readonly unknown[], link: boolean): Promise<Pid> {
  const [module, arg, options] = self === base ? args : [self, ...args];
  if (typeof module !== "function" || !(module.prototype instanceof base)) {
    return Promise.reject(new OptionsError("module", module, `a class that extends ${base.name}`));
  }
  let validated;
  try {
    validated = validateOptions(options);
  } catch (err) {
    return Promise.reject(err);
  }
  let client: ClientProcess;
  try {
    const Module = module as new () => ClientCallbacks;
    client = new ClientProcess(Module, new Module(), shareOptions(validated));
  } catch (err) {
    // The class's constructor (field initialisers included) threw: a failed start, not a throw.
    return Promise.reject(new StartError(err, { cause: err }));
  }
  const startOptions: StartOptions = validated.name === undefined ? {} : { name: validated.name };
  return startProcess(client, arg, startOptions, link);
}

/**
 * The status of the calling process when it is the client `dest` names (a callback asking
 * `Parley.status(self())`): read from its own data, as a call to itself could never be answered.
 * Undefined in every other case, which goes through a call as usual.
 */
export function ownStatus(dest: Dest): ClientStatus | undefined {
  const proc = currentProc();
  if (proc === undefined) return undefined;
  const bp = behaviourOf(proc);
  if (!(bp instanceof ClientProcess) || bp.data === undefined) return undefined;
  let target;
  try {
    target = resolveProc(dest);
  } catch {
    // A malformed destination: the call reports it.
    return undefined;
  }
  return target === proc ? statusOf(bp.state as ConnState, bp) : undefined;
}

/**
 * A client's process: the engine runs the machine, the machine is handed this process at init,
 * and `sys` sees the user's state as the state and the connection state as `state`.
 *
 * It is also the machine's data and its telemetry meta: one object per client holds the
 * behaviour's, the state machine's and the connection's bookkeeping (the machine's `data` is this
 * object once init returned, undefined before). Fields are all set here, in one order, so every
 * client shares one hidden class; what few clients use (queued frames, disconnect callers) starts
 * as a shared empty.
 */
export class ClientProcess extends StatemProcess<Transition, ClientMachine> implements ClientData, ClientMeta {
  /** The user's module instance: the callbacks the machine runs. */
  readonly client: ClientCallbacks;
  user: unknown = undefined;
  options: ClientOptions;
  attempt = 0;
  conn: Connection | undefined = undefined;
  since = 0;
  /** Created with the first frame that waits for a connection: most clients never queue one. */
  #queue: SendQueue | undefined = undefined;
  pingInbound = 0;
  url: string;
  framesIn = 0;
  framesOut = 0;
  lastDisconnect: unknown = undefined;
  pull: PullBuffer | undefined = undefined;
  /** `retrying`, `firstDial` and `upgraded`, packed: see their accessors. */
  #flags = FIRST_DIAL;
  /** What only a client asked to disconnect needs (closingReason, localClose, waiters): made when first set. */
  #rare: RareClientData | undefined = undefined;

  constructor(module: { readonly name: string }, client: ClientCallbacks, options: ClientOptions) {
    super(module);
    this.client = client;
    this.options = options;
    this.url = redactUrl(options.url);
  }

  get retrying(): boolean {
    return (this.#flags & RETRYING) !== 0;
  }
  set retrying(on: boolean) {
    this.#flags = on ? this.#flags | RETRYING : this.#flags & ~RETRYING;
  }

  get firstDial(): boolean {
    return (this.#flags & FIRST_DIAL) !== 0;
  }
  set firstDial(on: boolean) {
    this.#flags = on ? this.#flags | FIRST_DIAL : this.#flags & ~FIRST_DIAL;
  }

  get upgraded(): boolean {
    return (this.#flags & UPGRADED) !== 0;
  }
  set upgraded(on: boolean) {
    this.#flags = on ? this.#flags | UPGRADED : this.#flags & ~UPGRADED;
  }

  get closingReason(): unknown {
    return this.#rare?.closingReason;
  }
  set closingReason(reason: unknown) {
    if (reason !== undefined || this.#rare !== undefined) (this.#rare ??= new RareClientData()).closingReason = reason;
  }

  get localClose(): boolean {
    return this.#rare?.localClose === true;
  }
  set localClose(local: boolean) {
    if (local || this.#rare !== undefined) (this.#rare ??= new RareClientData()).localClose = local;
  }

  get waiters(): readonly From[] {
    return this.#rare?.waiters ?? NO_CALLERS;
  }
  set waiters(waiters: readonly From[]) {
    if (waiters.length > 0 || this.#rare !== undefined) (this.#rare ??= new RareClientData()).waiters = waiters;
  }

  /** The frames waiting for a connection. */
  get queue(): SendQueue {
    return (this.#queue ??= new SendQueue(this.options.maxQueue));
  }

  /** How many frames wait, without creating the queue. */
  get queued(): number {
    return this.#queue === undefined ? 0 : this.#queue.length;
  }

  /** Every client runs the one machine: a getter, not a field. */
  protected get machine(): ClientMachine {
    return CLIENT_MACHINE;
  }

  /** The machine names the user callback it runs, once per event. */
  protected override get eventCallback(): undefined {
    return undefined;
  }

  /** Telemetry's fields are this object's own: see `pid`, `name` and `url`. */
  get meta(): ClientMeta {
    return this;
  }

  /** The client's process, for telemetry. */
  get pid(): Pid {
    return this.proc.pid;
  }

  protected initMachine(arg: unknown): MaybePromise<Transition> {
    return this.machine.init(arg, this);
  }

  /** The machine checked the user's result (results.ts) and built the transition: nothing left to check. */
  protected transitionOf(t: Transition): Transition {
    return t;
  }

  override getState(): unknown {
    return this.data === undefined ? undefined : this.user;
  }

  override setState(value: unknown): void {
    this.user = value;
  }

  override status(): { state: unknown; data: unknown } {
    return { state: this.state, data: this.getState() };
  }
}

const RETRYING = 1;
const FIRST_DIAL = 2;
const UPGRADED = 4;

/** The part of a client's data only a closing client sets (see ClientData for each field). */
class RareClientData {
  closingReason: unknown = undefined;
  localClose = false;
  waiters: readonly From[] = NO_CALLERS;
}
