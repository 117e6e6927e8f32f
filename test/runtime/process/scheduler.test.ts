import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { From } from "../../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../../src/runtime/behaviours/gen-server.ts";
import { send } from "../../../src/runtime/names/names.ts";
import type { Pid } from "../../../src/runtime/process/pid.ts";
import { receive } from "../../../src/runtime/process/receive.ts";
import { deliverFromIo, lookup } from "../../../src/runtime/process/process.ts";
import { charge, type Runnable, schedule } from "../../../src/runtime/process/scheduler.ts";
import { exit, self, spawn } from "../../../src/runtime/process/spawn.ts";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function kill(pid: Pid): void {
  cleanups.push(() => exit(pid, "kill"));
}

/** Two processes passing a message back and forth for ever; `rounds()` says how far they got. */
function pingPong(): { rounds(): number } {
  let rounds = 0;
  const a = spawn(async () => {
    const peer = (await receive()) as Pid;
    for (;;) {
      send(peer, "ping");
      await receive();
      rounds++;
    }
  });
  const b = spawn(async () => {
    for (;;) {
      await receive();
      send(a, "pong");
    }
  });
  send(a, b);
  kill(a);
  kill(b);
  return { rounds: () => rounds };
}

/** A loopback TCP echo round trip. */
async function tcpEcho(text: string): Promise<string> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, "127.0.0.1");
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(text);
  return new Promise<string>((resolve) => socket.once("data", (chunk) => resolve(chunk.toString())));
}

/** Proves the event loop still turns: a 0 ms timer, an immediate and a TCP echo all complete. */
async function eventLoopTurns(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
  expect(await tcpEcho("hello")).toBe("hello");
}

class SelfCaster extends GenServer<number> {
  override init() {
    GenServer.cast(self(), "again");
    return ["ok", 0] as const;
  }
  override handleCast(_msg: unknown, n: number) {
    GenServer.cast(self(), "again");
    return ["noreply", n + 1] as const;
  }
  override handleCall(_req: unknown, _from: From, n: number) {
    return ["reply", n, n] as const;
  }
}

class Echo extends GenServer<null> {
  override handleCall(req: unknown) {
    return ["reply", req, null] as const;
  }
}

/** A fake process that counts its runs. */
function runnable(onRun: () => void = () => undefined): Runnable & { runs: number } {
  const r = {
    scheduled: false,
    runs: 0,
    run() {
      r.runs++;
      onRun();
    },
  };
  return r;
}

/** Holds the thread for `ms` milliseconds, then runs `then`: a process that computes. */
function busy(ms: number, then: () => void): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
  then();
}

/** Lets the scheduler finish its current turn, so a test starts with a fresh budget. */
async function freshTurn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe("scheduler", () => {
  describe("fairness", () => {
    it("lets timers, immediates and TCP I/O run while two processes ping-pong for ever", async () => {
      const game = pingPong();
      await eventLoopTurns();
      const before = game.rounds();
      expect(before).toBeGreaterThan(0);
      await eventLoopTurns();
      expect(game.rounds()).toBeGreaterThan(before);
    });

    it("lets I/O run while a GenServer casts to itself for ever", async () => {
      const pid = await SelfCaster.start();
      kill(pid);
      await eventLoopTurns();
      const n = (await GenServer.call(pid, "n")) as number;
      expect(n).toBeGreaterThan(0);
      await eventLoopTurns();
      expect(await GenServer.call(pid, "n")).toBeGreaterThan(n);
    });

    it("lets I/O run while a process calls a server in a tight loop", async () => {
      const server = await Echo.start(null);
      kill(server);
      let calls = 0;
      kill(
        spawn(async () => {
          for (;;) {
            await GenServer.call(server, calls);
            calls++;
          }
        }),
      );
      await eventLoopTurns();
      expect(calls).toBeGreaterThan(0);
    });

    it("lets I/O run while a process sends to itself for ever", async () => {
      let n = 0;
      kill(
        spawn(async () => {
          for (;;) {
            send(self(), n);
            await receive();
            n++;
          }
        }),
      );
      await eventLoopTurns();
      expect(n).toBeGreaterThan(0);
    });
  });

  describe("delivery", () => {
    it("never runs the receiver inside send", async () => {
      let got = 0;
      const pid = spawn(async () => {
        for (;;) {
          await receive();
          got++;
        }
      });
      kill(pid);
      await freshTurn();
      send(pid, 1);
      send(pid, 2);
      expect(got).toBe(0);
      await freshTurn();
      expect(got).toBe(2);
    });

    it("never runs a GenServer's callback inside cast or call", async () => {
      const seen: unknown[] = [];
      class Recorder extends GenServer<null> {
        override handleCast(msg: unknown) {
          seen.push(msg);
          return ["noreply", null] as const;
        }
        override handleCall(req: unknown) {
          seen.push(req);
          return ["reply", req, null] as const;
        }
      }
      const pid = await Recorder.start(null);
      kill(pid);
      GenServer.cast(pid, "cast");
      const answer = GenServer.call(pid, "call");
      expect(seen).toEqual([]);
      expect(await answer).toBe("call");
      expect(seen).toEqual(["cast", "call"]);
    });
  });

  describe("delivery from I/O", () => {
    /** A GenServer whose handleInfo records what it got, and the record. */
    async function recorder(): Promise<{ pid: Pid; seen: unknown[] }> {
      const seen: unknown[] = [];
      class Recorder extends GenServer<null> {
        override handleInfo(msg: unknown) {
          seen.push(msg);
          return ["noreply", null] as const;
        }
      }
      const pid = await Recorder.start(null);
      kill(pid);
      await freshTurn();
      return { pid, seen };
    }

    it("runs a waiting receiver inside the I/O callback that delivers from outside every process", async () => {
      const { pid, seen } = await recorder();
      deliverFromIo(lookup(pid)!, "frame");
      expect(seen).toEqual(["frame"]);
      deliverFromIo(lookup(pid)!, "another");
      expect(seen).toEqual(["frame", "another"]);
    });

    it("queues the message when process code delivers it: a process never runs inside another", async () => {
      const { pid, seen } = await recorder();
      const inbox: unknown[] = [];
      const sender = spawn(async () => {
        deliverFromIo(lookup(pid)!, "from a process");
        inbox.push([...seen]);
        await receive();
      });
      kill(sender);
      await freshTurn();
      expect(inbox).toEqual([[]]);
      expect(seen).toEqual(["from a process"]);
    });

    it("queues the message once this turn's slice is spent, and the receiver gets it next turn", async () => {
      const { pid, seen } = await recorder();
      while (charge());
      deliverFromIo(lookup(pid)!, "late");
      expect(seen).toEqual([]);
      await freshTurn();
      expect(seen).toEqual(["late"]);
    });

    it("keeps the message in the mailbox of a receiver that is busy, in order", async () => {
      const seen: unknown[] = [];
      let release: () => void = () => undefined;
      class Slow extends GenServer<null> {
        override async handleInfo(msg: unknown) {
          seen.push(msg);
          if (msg === "first") await new Promise<void>((resolve) => (release = resolve));
          return ["noreply", null] as const;
        }
      }
      const pid = await Slow.start(null);
      kill(pid);
      await freshTurn();
      deliverFromIo(lookup(pid)!, "first");
      deliverFromIo(lookup(pid)!, "second");
      expect(seen).toEqual(["first"]);
      release();
      await freshTurn();
      expect(seen).toEqual(["first", "second"]);
    });

    it("drops the message for a process that has exited", async () => {
      const { pid, seen } = await recorder();
      const proc = lookup(pid)!;
      await GenServer.stop(pid);
      deliverFromIo(proc, "too late");
      await freshTurn();
      expect(seen).toEqual([]);
    });
  });

  describe("schedule", () => {
    it("runs a process on a microtask, never synchronously, while the turn has budget left", async () => {
      await freshTurn();
      const r = runnable();
      schedule(r);
      expect(r.runs).toBe(0);
      await Promise.resolve();
      await Promise.resolve();
      expect(r.runs).toBe(1);
    });

    it("queues a process once however often it is scheduled before it runs", async () => {
      const r = runnable();
      schedule(r);
      schedule(r);
      schedule(r);
      await freshTurn();
      expect(r.runs).toBe(1);
    });

    it("runs a process again when it is scheduled while running", async () => {
      let again = true;
      const r: Runnable & { runs: number } = runnable(() => {
        if (again) {
          again = false;
          schedule(r);
        }
      });
      schedule(r);
      await freshTurn();
      expect(r.runs).toBe(2);
    });

    it("runs processes in the order they became runnable", async () => {
      const order: number[] = [];
      for (let i = 0; i < 5; i++) schedule(runnable(() => order.push(i)));
      await freshTurn();
      expect(order).toEqual([0, 1, 2, 3, 4]);
    });

    it("stops a turn once its time slice is spent and finishes the rest on later turns", async () => {
      await freshTurn();
      // Each run holds the thread for 0.2 ms: together far longer than one turn's slice.
      const total = 200;
      let ran = 0;
      let ranWhenIoRan = -1;
      setImmediate(() => (ranWhenIoRan = ran));
      for (let i = 0; i < total; i++) schedule(runnable(() => busy(0.2, () => ran++)));
      await freshTurn();
      while (ran < total) await new Promise((resolve) => setImmediate(resolve));
      expect(ranWhenIoRan).toBeGreaterThan(0);
      expect(ranWhenIoRan).toBeLessThan(total);
      expect(ran).toBe(total);
    });
  });

  describe("charge", () => {
    it("allows a time slice of reductions per turn, then refuses until the next turn", async () => {
      await freshTurn();
      let allowed = 0;
      while (charge()) allowed++;
      expect(allowed).toBeGreaterThan(0);
      expect(charge()).toBe(false);
      await freshTurn();
      expect(charge()).toBe(true);
    });
  });
});
