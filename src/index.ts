/**
 * parley-ts: Erlang/OTP processes, supervisors and a self-healing WebSocket client for Node.js.
 * The reference is grouped by area; the README tells how the pieces fit.
 *
 * @packageDocumentation
 */

// This file only re-exports. Each `// @category` line files the exports below it under that
// category of the API reference (typedoc-plugin.mjs reads them).

// @category Processes
export { spawn, spawnLink, spawnMonitor, self, exit, trapExit, isAlive } from "./runtime/process/spawn.ts";
export type { ProcessBody } from "./runtime/process/spawn.ts";
export { receive } from "./runtime/process/receive.ts";
export type { Matcher } from "./runtime/process/receive.ts";
export { send, register, unregister, whereis, registered } from "./runtime/names/names.ts";
export type { Dest } from "./runtime/names/names.ts";
export { link, unlink } from "./runtime/process/links.ts";
export { monitor, demonitor } from "./runtime/process/monitors.ts";
export { sendAfter, cancelTimer } from "./runtime/process/timers.ts";
export { isPid, isRef } from "./runtime/process/pid.ts";
export type { Pid, Ref, TimerRef, Identifier } from "./runtime/process/pid.ts";
export type { ExitMessage, DownMessage } from "./runtime/process/process.ts";
export { Inbox } from "./runtime/process/inbox.ts";
export type { InboxOptions } from "./runtime/process/inbox.ts";

// @category Names
export { Global } from "./runtime/names/global.ts";
export { Registry } from "./runtime/names/registry.ts";
export type { RegistryOptions } from "./runtime/names/registry.ts";
export type { Term, Name, ViaModule } from "./runtime/names/names-types.ts";

// @category Behaviours
export { GenServer } from "./runtime/behaviours/gen-server.ts";
export type { InitResult, CallResult, CastResult, InfoResult, ContinueResult, Extra, GenServerModule } from "./runtime/behaviours/gen-server.ts";
export { GenStatem } from "./runtime/behaviours/gen-statem.ts";
export type { GenStatemModule } from "./runtime/behaviours/gen-statem.ts";
export type { StatemResult, StatemInitResult, Action, EventType } from "./runtime/behaviours/statem-actions.ts";
export type { From } from "./runtime/behaviours/gen-call.ts";
export type { MaybePromise } from "./runtime/behaviours/maybe-promise.ts";
export type { StartOptions } from "./runtime/behaviours/start-options.ts";
export type { SysStatus, SysStatistics } from "./runtime/behaviours/system-requests.ts";
export { sys } from "./runtime/behaviours/sys.ts";
export { Task } from "./runtime/behaviours/task.ts";
export type { TaskResult } from "./runtime/behaviours/task.ts";
export type { TaskFn } from "./runtime/behaviours/task-process.ts";
export type { AsyncStreamOptions, StreamResult } from "./runtime/behaviours/task-stream.ts";
export { Agent } from "./runtime/behaviours/agent.ts";
export type { StateFn } from "./runtime/behaviours/agent.ts";

// @category Supervisors
export { Supervisor } from "./supervisor/supervisor.ts";
export type {
  SupervisorOptions,
  SupervisorFlags,
  SupervisorInitResult,
  SupervisorModule,
  InitArg,
  ChildArg,
  ChildSpecArg,
  CheckedChild,
  CheckedChildren,
  NestedArg,
  ChildInfo,
  ChildCounts,
  SupervisorState,
} from "./supervisor/supervisor.ts";
export { DynamicSupervisor } from "./supervisor/dynamic-supervisor.ts";
export type { DynamicSupervisorOptions, DynamicSupervisorState } from "./supervisor/dynamic-supervisor.ts";
export { TaskSupervisor } from "./supervisor/task-supervisor.ts";
export type { TaskSupervisorOptions, SupervisedTaskOptions } from "./supervisor/task-supervisor.ts";
export { shutdownOnSignals } from "./supervisor/graceful.ts";
export type { ShutdownOnSignalsOptions } from "./supervisor/graceful.ts";
export type { Strategy } from "./supervisor/strategies.ts";

// @category Client
export { Parley } from "./client/parley.ts";
export type { ParleyModule, DisconnectReason } from "./client/parley.ts";
export type { ClientStatus, ConnState } from "./client/client-data.ts";
export type { ConnectInfo } from "./client/connection.ts";
export type { SocketAddress } from "./client/addresses.ts";
export { codecs } from "./client/codec.ts";
export type { Codec, Codecs, DataFrame, JsonValue } from "./client/codec.ts";
export type { Frame, CloseFrame, PongFrame } from "./client/frames.ts";
export type { ConnectOptions, HeadersOption, TransportOptions, ReconnectPolicy, HeartbeatPolicy } from "./client/options.ts";
export type { ClientResult, CallReplyResult, DisconnectResult, ClientInitResult } from "./client/results.ts";

// @category Telemetry
export { channels } from "./runtime/telemetry.ts";
export type {
  ClientMeta,
  ConnectStartMessage,
  ConnectStopMessage,
  ConnectionStopMessage,
  FrameMessage,
  FrameDroppedMessage,
  FrameDropReason,
  ReconnectScheduledMessage,
  ReconnectExhaustedMessage,
  HeartbeatTimeoutMessage,
} from "./client/telemetry.ts";
export type { SupervisorRestartEvent } from "./supervisor/reports.ts";

// @category Telemetry (the Observer: a live page of what introspection and telemetry see)
export { Observer } from "./observer/observer.ts";
export type { ObserverHandle, ObserverOptions, NodesProvider, NodesView, NodeView } from "./observer/observer.ts";

// @category Distribution
export { Node, nodeOf } from "./dist/node.ts";
export type { NodeOptions } from "./dist/node.ts";
export { ClusterSupervisor } from "./dist/cluster-supervisor.ts";
export type { ClusterSupervisorOptions, ClusterChildInfo } from "./dist/cluster-supervisor.ts";
export type { NodeName } from "./runtime/names/names.ts";
export type { NodeUpEvent, NodeDownEvent, NodeDroppedEvent } from "./dist/telemetry.ts";

// @category Telemetry (logs are telemetry too)
export { setLogger, getLogger } from "./runtime/logger.ts";
export { formatTerm as inspect } from "./runtime/format-term.ts";

// @category Supervisors (child specs: every behaviour builds one with childSpec)
export type { ChildSpec, Child, ChildModule, RestartType, Shutdown, ChildType } from "./runtime/behaviours/child-spec-types.ts";

// @category Errors
export {
  ParleyError,
  NoProcError,
  NoProcessContextError,
  TimeoutError,
  ExitError,
  StartError,
  AlreadyRegisteredError,
  OptionsError,
  BadReturnError,
} from "./runtime/errors.ts";
export { NotConnectedError, InvalidFrameError, QueueFullError, UpgradeError, DecodeError } from "./client/errors.ts";
export { NotFoundError, MaxChildrenError, ChildRunningError } from "./supervisor/errors.ts";
export { NodeError, EncodeError, WireError } from "./dist/errors.ts";
export type { EncodeErrorKind, WireErrorKind } from "./dist/errors.ts";
