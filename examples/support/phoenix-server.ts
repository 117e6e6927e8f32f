/**
 * A small local server that speaks the Phoenix channels protocol (the V2 JSON serializer), enough
 * for `examples/phoenix-channels.ts`: join and leave `room:*` topics, heartbeats on the `phoenix`
 * topic, and a `new_msg` event that is broadcast to every member of the room.
 *
 * Every message is a JSON array `[join_ref, ref, topic, event, payload]`. Replies are
 * `phx_reply` events with `{ status: "ok" | "error", response }` and the request's refs;
 * broadcasts carry no refs: `[null, null, topic, event, payload]`.
 */
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/** One Phoenix message. */
export type PhxMessage = [joinRef: string | null, ref: string | null, topic: string, event: string, payload: unknown];

interface Member {
  readonly joins: Map<string, string>; // topic → join_ref
  stalled: boolean;
}

export class PhoenixServer {
  readonly #wss: WebSocketServer;
  readonly #members = new Map<WebSocket, Member>();

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on("connection", (ws) => {
      const member: Member = { joins: new Map(), stalled: false };
      this.#members.set(ws, member);
      ws.on("close", () => this.#members.delete(ws));
      ws.on("message", (data) => {
        if (member.stalled) return;
        const msg = decode(data.toString());
        if (msg !== undefined) this.#handle(ws, member, msg);
      });
    });
  }

  /** Listens on 127.0.0.1, on a free port, at `/socket/websocket`. */
  static async start(): Promise<PhoenixServer> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/socket/websocket" });
    await new Promise((resolve) => wss.once("listening", resolve));
    return new PhoenixServer(wss);
  }

  /** The URL a Phoenix client dials, with the serializer version. */
  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/socket/websocket?vsn=2.0.0`;
  }

  /** Pushes `event` to every member of `topic`, as `Endpoint.broadcast/3` does. */
  broadcast(topic: string, event: string, payload: unknown): void {
    for (const [ws, member] of this.#members) {
      if (member.joins.has(topic)) ws.send(JSON.stringify([null, null, topic, event, payload]));
    }
  }

  /**
   * Makes every open connection stop answering (heartbeats included), as a hung server would.
   * New connections are served normally.
   */
  stall(): void {
    for (const member of this.#members.values()) member.stalled = true;
  }

  close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }

  #handle(ws: WebSocket, member: Member, [joinRef, ref, topic, event, payload]: PhxMessage): void {
    const reply = (status: "ok" | "error", response: unknown) =>
      ws.send(JSON.stringify([joinRef, ref, topic, "phx_reply", { status, response }]));
    if (topic === "phoenix" && event === "heartbeat") return reply("ok", {});
    if (event === "phx_join") {
      if (!topic.startsWith("room:") || joinRef === null) return reply("error", { reason: "unmatched topic" });
      member.joins.set(topic, joinRef);
      return reply("ok", {});
    }
    if (member.joins.get(topic) !== joinRef) return reply("error", { reason: "unmatched topic" });
    switch (event) {
      case "phx_leave":
        member.joins.delete(topic);
        reply("ok", {});
        ws.send(JSON.stringify([joinRef, joinRef, topic, "phx_close", {}]));
        return;
      case "new_msg":
        reply("ok", {});
        this.broadcast(topic, "new_msg", payload);
        return;
      default:
        reply("error", { reason: `unhandled event ${event}` });
    }
  }
}

function decode(text: string): PhxMessage | undefined {
  try {
    const msg: unknown = JSON.parse(text);
    if (Array.isArray(msg) && msg.length === 5 && typeof msg[2] === "string" && typeof msg[3] === "string") return msg as PhxMessage;
  } catch {
    // not JSON: ignored, as Phoenix would close the socket
  }
  return undefined;
}
