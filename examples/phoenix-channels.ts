/**
 * A Phoenix channels client: join a topic on every connect, send the protocol's heartbeat, push
 * events and get their replies through `Parley.call`, and treat a missed heartbeat reply as a dead
 * connection (close it, reconnect, rejoin), as phoenix.js does. `codecs.json` turns frames into
 * messages and back, so the callbacks never see JSON. It runs against a small local server
 * that speaks the protocol (examples/support/phoenix-server.ts).
 *
 *   npx tsx examples/phoenix-channels.ts
 */
import {
  cancelTimer,
  codecs,
  type From,
  Inbox,
  Parley,
  type Pid,
  type JsonValue,
  type PongFrame,
  self,
  send,
  sendAfter,
  type TimerRef,
} from "../src/index.ts";
import { PhoenixServer, type PhxMessage } from "./support/phoenix-server.ts";

const HEARTBEAT_MS = 300;

interface Channel {
  readonly topic: string;
  /** Where joins, messages and disconnects are reported. */
  readonly listener: Pid;
  /** The last ref used; Phoenix refs are strings of a growing counter. */
  readonly ref: number;
  /** The join's ref on the current connection, undefined while not joined. */
  readonly joinRef: string | undefined;
  readonly joined: boolean;
  /** The ref of the heartbeat waiting for its reply. */
  readonly pendingHeartbeat: string | undefined;
  readonly heartbeat: TimerRef | undefined;
  /** Connections made so far: a heartbeat timer of an older connection is ignored. */
  readonly conn: number;
  /** Calls waiting for the phx_reply with their ref. */
  readonly calls: ReadonlyMap<string, From>;
}

type Heartbeat = readonly ["heartbeat", conn: number];

/** Phoenix's JSON serializer (V2): codecs.json, and every message an array of five. */
class ChannelClient extends Parley<Channel, JsonValue, Readonly<PhxMessage>> {
  override init({ topic, listener }: { topic: string; listener: Pid }) {
    const channel: Channel = {
      topic,
      listener,
      ref: 0,
      joinRef: undefined,
      joined: false,
      pendingHeartbeat: undefined,
      heartbeat: undefined,
      conn: 0,
      calls: new Map(),
    };
    return ["ok", channel] as const;
  }

  /** Every connection starts with a join; the heartbeat starts with it. */
  override handleConnect(s: Channel) {
    const ref = String(s.ref + 1);
    const conn = s.conn + 1;
    const heartbeat = sendAfter(self(), ["heartbeat", conn] satisfies Heartbeat, HEARTBEAT_MS);
    const next: Channel = { ...s, ref: s.ref + 1, joinRef: ref, conn, heartbeat, pendingHeartbeat: undefined };
    return ["push", [ref, ref, s.topic, "phx_join", {}], next] as const;
  }

  /** `Parley.call(client, ["push", event, payload])`: answered when the server's phx_reply arrives. */
  override handleCall([, event, payload]: readonly ["push", string, unknown], from: From, s: Channel) {
    if (!s.joined) return ["reply", { status: "error", response: { reason: "not joined" } }, s] as const;
    const ref = String(s.ref + 1);
    const calls = new Map(s.calls).set(ref, from);
    return ["push", [s.joinRef!, ref, s.topic, event, payload], { ...s, ref: s.ref + 1, calls }] as const;
  }

  override handleFrame(msg: JsonValue | PongFrame, s: Channel) {
    if (!Array.isArray(msg) || msg.length !== 5) return ["ok", s] as const;
    const [, ref, topic, event, payload] = msg as PhxMessage;
    if (event !== "phx_reply") {
      if (topic === s.topic) send(s.listener, ["message", event, payload]);
      return ["ok", s] as const;
    }
    if (ref !== null && ref === s.pendingHeartbeat) return ["ok", { ...s, pendingHeartbeat: undefined }] as const;
    if (ref !== null && ref === s.joinRef) {
      send(s.listener, ["joined", topic, payload]);
      return ["ok", { ...s, joined: true }] as const;
    }
    const from = ref === null ? undefined : s.calls.get(ref);
    if (from === undefined) return ["ok", s] as const;
    Parley.reply(from, payload);
    const calls = new Map(s.calls);
    calls.delete(ref!);
    return ["ok", { ...s, calls }] as const;
  }

  /** The heartbeat: no reply to the previous one means the connection is dead. */
  override handleInfo(msg: Heartbeat, s: Channel) {
    if (msg[0] !== "heartbeat" || msg[1] !== s.conn || s.heartbeat === undefined) return ["ok", s] as const;
    if (s.pendingHeartbeat !== undefined) {
      return ["disconnect", "missed_heartbeat", { ...s, heartbeat: undefined }, [1000, "heartbeat timeout"]] as const;
    }
    const ref = String(s.ref + 1);
    const heartbeat = sendAfter(self(), ["heartbeat", s.conn] satisfies Heartbeat, HEARTBEAT_MS);
    const next = { ...s, ref: s.ref + 1, pendingHeartbeat: ref, heartbeat };
    return ["push", [null, ref, "phoenix", "heartbeat", {}], next] as const;
  }

  /** Runs when the connection is lost or closed: answer the waiting calls, then follow the reconnect option. */
  override handleDisconnect(reason: unknown, s: Channel) {
    if (s.heartbeat !== undefined) cancelTimer(s.heartbeat);
    for (const from of s.calls.values()) Parley.reply(from, { status: "error", response: { reason: "disconnected" } });
    send(s.listener, ["disconnected", reason]);
    const next: Channel = { ...s, joinRef: undefined, joined: false, pendingHeartbeat: undefined, heartbeat: undefined, calls: new Map() };
    return ["ok", next] as const;
  }
}

// --- the script ---

const server = await PhoenixServer.start();
const inbox = new Inbox();
const next = (tag: string) => inbox.receive((m) => (Array.isArray(m) && m[0] === tag ? m : undefined), 5000);

await ChannelClient.start(
  { topic: "room:lobby", listener: inbox.pid },
  { url: server.url, name: "lobby", codec: codecs.json, reconnect: { baseDelay: 100, maxDelay: 1000 } },
);
console.log(await next("joined")); // [ 'joined', 'room:lobby', { status: 'ok', response: {} } ]

console.log(await Parley.call("lobby", ["push", "new_msg", { body: "hello" }])); // { status: 'ok', response: {} }
console.log(await next("message")); // [ 'message', 'new_msg', { body: 'hello' } ]  (the room's broadcast)

server.broadcast("room:lobby", "new_msg", { body: "from the server" });
console.log(await next("message")); // [ 'message', 'new_msg', { body: 'from the server' } ]

// A hung server: the next heartbeat finds the previous one unanswered.
server.stall();
console.log(await next("disconnected")); // [ 'disconnected', 'missed_heartbeat' ]
console.log(await next("joined")); // [ 'joined', 'room:lobby', { status: 'ok', response: {} } ]: reconnected and rejoined

await Parley.stop("lobby");
inbox.close();
await server.close();
