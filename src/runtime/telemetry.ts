/**
 * Every `parley:*` diagnostics channel, created once at load. Channel names are
 * `parley:<area>:<event>`; each payload is one plain object, typed beside its publisher (the
 * client's in src/client/telemetry.ts, the supervisors' in src/supervisor/reports.ts). Publishers
 * check `hasSubscribers` first, so nothing is built when nobody listens.
 *
 * @example
 * ```ts
 * import diagnostics_channel from "node:diagnostics_channel";
 * diagnostics_channel.subscribe("parley:connect:stop", (event) => {
 *   const { url, attempt, outcome } = event as ConnectStopMessage;
 * });
 * ```
 */
import diagnostics_channel from "node:diagnostics_channel";

/**
 * The channels, grouped by area, created once at load. Subscribe by name with
 * `diagnostics_channel.subscribe("parley:…", fn)`, or through these objects
 * (`channels.connectStop.subscribe(fn)`). Subscribers run synchronously, in the middle of the
 * client's or supervisor's work: keep them short (Node reports a subscriber's throw as an
 * uncaught exception).
 */
export const channels = {
  /** `parley:connect:start`, payload {@link ConnectStartMessage}. */
  connectStart: diagnostics_channel.channel("parley:connect:start"),
  /** `parley:connect:stop`, payload {@link ConnectStopMessage}. */
  connectStop: diagnostics_channel.channel("parley:connect:stop"),
  /** `parley:connection:stop`, payload {@link ConnectionStopMessage}. */
  connectionStop: diagnostics_channel.channel("parley:connection:stop"),
  /** `parley:frame:received`, payload {@link FrameMessage}. */
  frameReceived: diagnostics_channel.channel("parley:frame:received"),
  /** `parley:frame:sent`, payload {@link FrameMessage}. */
  frameSent: diagnostics_channel.channel("parley:frame:sent"),
  /** `parley:frame:dropped`, payload {@link FrameDroppedMessage}. */
  frameDropped: diagnostics_channel.channel("parley:frame:dropped"),
  /** `parley:reconnect:scheduled`, payload {@link ReconnectScheduledMessage}. */
  reconnectScheduled: diagnostics_channel.channel("parley:reconnect:scheduled"),
  /** `parley:reconnect:exhausted`, payload {@link ReconnectExhaustedMessage}. */
  reconnectExhausted: diagnostics_channel.channel("parley:reconnect:exhausted"),
  /** `parley:heartbeat:timeout`, payload {@link HeartbeatTimeoutMessage}. */
  heartbeatTimeout: diagnostics_channel.channel("parley:heartbeat:timeout"),
  /** `parley:supervisor:restart`, payload {@link SupervisorRestartEvent}. */
  supervisorRestart: diagnostics_channel.channel("parley:supervisor:restart"),
} as const;
