// The far side of `npm run bench -- dist`: a node in its own process (name in argv[2]), with what
// the bench measures against, each beside its raw NATS twin on a connection of its own:
// - "sink" (a local name): counts messages; ["expect", n, replyTo] arms it, and it sends ["done"]
//   to replyTo at the n-th. Raw twin: subject bench.<node>.sink, armed on bench.<node>.expect.
// - "echo" (a local name) and { global: "bench-echo@<node>" }: a GenServer that replies with the
//   request. Raw twin: a responder on bench.<node>.echo.
// Tells the parent { ready: true } over IPC once all of it is up.
import { connect } from "@nats-io/transport-node";
import { GenServer, Global, Node, receive, register, send, spawn, type CallResult, type InitResult, type Pid } from "../src/index.ts";

class Echo extends GenServer<null> {
  override init(): InitResult<null> {
    return ["ok", null];
  }
  override handleCall(req: unknown): CallResult<null> {
    return ["reply", req, null];
  }
}

const node = process.argv[2] ?? "bench-b";
const servers = process.env["PARLEY_NATS_URL"] ?? "nats://127.0.0.1:4222";
await Node.start(node, { servers, cluster: process.env["PARLEY_CLUSTER"] ?? "bench", heartbeatMs: 250, nodedownAfterMs: 1500 });

const sink = spawn(async () => {
  let left = Infinity;
  let replyTo: Pid | undefined;
  for (;;) {
    const msg = await receive();
    if (Array.isArray(msg) && msg[0] === "expect") [, left, replyTo] = msg as [string, number, Pid];
    else if (--left === 0 && replyTo !== undefined) send(replyTo, ["done"]);
  }
});
register("sink", sink);
await GenServer.start(Echo, undefined, { name: "echo" });
await Global.register(`bench-echo@${node}`, await GenServer.start(Echo, undefined));

const raw = await connect({ servers });
let rawLeft = Infinity;
raw.subscribe(`bench.${node}.expect`, {
  callback: (_err, m) => {
    rawLeft = Number(m.string());
  },
});
raw.subscribe(`bench.${node}.sink`, {
  callback: () => {
    if (--rawLeft === 0) raw.publish(`bench.${node}.done`);
  },
});
raw.subscribe(`bench.${node}.echo`, {
  callback: (_err, m) => {
    m.respond(m.data);
  },
});
await raw.flush();

process.send?.({ ready: true });
process.on("disconnect", () => process.exit(0));
