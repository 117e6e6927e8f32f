/**
 * Request/response over a WebSocket with `Parley.call`. `handleCall` sends the request as a frame
 * and keeps the caller's `from` under the request id, without replying; when the response frame
 * with that id arrives, `handleFrame` answers the caller with `Parley.reply`. Calls run
 * concurrently, their answers may come back in any order, and a call nobody answers times out.
 *
 *   npx tsx examples/rpc.ts
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { type Frame, type From, Inbox, Parley, type Pid, send, TimeoutError } from "../src/index.ts";

// A local JSON-RPC-ish server: {id, method, params} in, {id, result} or {id, error} out.
// "slowAdd" answers after 50 ms, so a later call can overtake it; "sleep" answers after params[0] ms.
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) =>
  ws.on("message", (data) => {
    const { id, method, params } = JSON.parse(String(data)) as { id: number; method: string; params: number[] };
    const answer = (body: object, ms = 0): unknown => setTimeout(() => ws.send(JSON.stringify({ id, ...body })), ms);
    if (method === "add") answer({ result: params.reduce((a, b) => a + b, 0) });
    else if (method === "slowAdd") answer({ result: params.reduce((a, b) => a + b, 0) }, 50);
    else if (method === "multiply") answer({ result: params.reduce((a, b) => a * b, 1) });
    else if (method === "sleep") answer({ result: "woke up" }, params[0]);
    else answer({ error: `unknown method ${method}` });
  }),
);
await new Promise((resolve) => wss.once("listening", resolve));
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

/** What `Parley.call(client, request)` takes. */
interface Request {
  readonly method: string;
  readonly params: readonly number[];
}

/** Who to tell when connected, the next request id, and the callers waiting for an answer, by id. */
interface RpcState {
  readonly ready: Pid;
  readonly nextId: number;
  readonly waiting: ReadonlyMap<number, From>;
}

class RpcClient extends Parley<RpcState> {
  // Tell the script the connection is up: calls made before would push into nothing, since a
  // push outside `connected` is dropped (with a warning and a parley:frame:dropped event).
  override handleConnect(s: RpcState) {
    send(s.ready, "connected");
    return ["ok", s] as const;
  }

  // No reply yet: push the request and remember who asked.
  override handleCall(req: unknown, from: From, s: RpcState) {
    const { method, params } = req as Request;
    const id = s.nextId;
    const frame: Frame = ["text", JSON.stringify({ id, method, params })];
    return ["push", frame, { ...s, nextId: id + 1, waiting: new Map(s.waiting).set(id, from) }] as const;
  }

  // A response: answer the caller waiting for its id. A caller that gave up (timed out) is still in
  // the map; replying to it does nothing.
  override handleFrame(frame: Frame, s: RpcState) {
    if (frame[0] !== "text") return ["ok", s] as const;
    const { id, result, error } = JSON.parse(frame[1]) as { id: number; result?: unknown; error?: string };
    const from = s.waiting.get(id);
    if (from === undefined) return ["ok", s] as const;
    Parley.reply(from, error === undefined ? result : { error });
    const waiting = new Map(s.waiting);
    waiting.delete(id);
    return ["ok", { ...s, waiting }] as const;
  }

  // Answers will never come over a lost connection: tell everyone still waiting.
  override handleDisconnect(_reason: unknown, s: RpcState) {
    for (const from of s.waiting.values()) Parley.reply(from, { error: "disconnected" });
    return ["ok", { ...s, waiting: new Map() }] as const;
  }
}

const inbox = new Inbox();
const client = await RpcClient.start({ ready: inbox.pid, nextId: 1, waiting: new Map() } satisfies RpcState, { url });
await inbox.receive((m) => (m === "connected" ? m : undefined), 5000);

// Three concurrent calls; the first one's answer arrives last, and each caller still gets its own.
const results = await Promise.all([
  Parley.call(client, { method: "slowAdd", params: [1, 2] } satisfies Request),
  Parley.call(client, { method: "multiply", params: [6, 7] } satisfies Request),
  Parley.call(client, { method: "add", params: [10, 20, 30] } satisfies Request),
]);
console.log("slowAdd(1, 2), multiply(6, 7), add(10, 20, 30) =", results); // [ 3, 42, 60 ]

console.log(await Parley.call(client, { method: "divide", params: [1, 0] } satisfies Request)); // { error: 'unknown method divide' }

// A call that waits longer than its timeout rejects with TimeoutError; the late answer is dropped.
try {
  await Parley.call(client, { method: "sleep", params: [300] } satisfies Request, 100);
} catch (err) {
  console.log(err instanceof TimeoutError ? `timed out: ${err.message}` : err); // timed out: call to #PID<…> timed out after 100 ms
}

await Parley.stop(client);
inbox.close();
await new Promise((resolve) => wss.close(resolve));
console.log("rpc: done");
