/**
 * Processes without behaviours: spawn, send, selective receive, monitors, links and exit trapping,
 * driven from a script through an Inbox (a mailbox for code that is not a process).
 *
 *   npx tsx examples/processes.ts
 */
import { pino } from "pino";
import {
  type DownMessage,
  exit,
  Inbox,
  monitor,
  type Pid,
  receive,
  self,
  send,
  setLogger,
  spawn,
  spawnLink,
  trapExit,
} from "../src/index.ts";

// The default logger writes pino JSON to stderr; print one short line per report instead.
setLogger(pino({ base: null }, { write: (line: string) => console.log(`  (log) ${(JSON.parse(line) as { msg: string }).msg}`) }));

// A process that answers pings until told to stop.
const ponger = spawn(async () => {
  for (;;) {
    const msg = await receive<readonly ["ping", Pid] | "stop">();
    if (msg === "stop") return;
    send(msg[1], ["pong", self()]);
  }
});

const inbox = new Inbox();
send(ponger, ["ping", inbox.pid]);
const [pong, from] = await inbox.receive<readonly ["pong", Pid]>();
console.log(pong, String(from)); // pong #PID<0.2.0>

// Selective receive: take the message you want, leave the others queued in order.
send(inbox.pid, ["log", "first"]);
send(inbox.pid, ["result", 42]);
const result = await inbox.receive((m) => (Array.isArray(m) && m[0] === "result" ? (m[1] as number) : undefined));
console.log(result, inbox.peek()); // 42 [ [ 'log', 'first' ] ]
await inbox.receive(); // drop the log message

// A monitor reports a process's end once, with its exit reason.
await inbox.run(() => monitor(ponger));
send(ponger, "stop");
const down = await inbox.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? (m as unknown as DownMessage) : undefined));
console.log(down[4]); // normal

// A link propagates a crash; a process that traps exits gets it as a message instead.
spawn(async () => {
  trapExit(true);
  const worker = spawnLink(() => {
    throw new Error("boom");
  });
  const [tag, from, reason] = await receive<readonly ["EXIT", unknown, Error]>();
  send(inbox.pid, [tag, from === worker, reason.message]);
});
console.log(await inbox.receive()); // [ 'EXIT', true, 'boom' ]

// exit(pid, "kill") cannot be trapped.
const stubborn = spawn(async () => {
  trapExit(true);
  await receive();
});
await inbox.run(() => monitor(stubborn));
exit(stubborn, "kill");
const killed = await inbox.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? (m as unknown as DownMessage) : undefined));
console.log(killed[4]); // killed

inbox.close();
