// Request/response over the socket with Parley.call: answered at once from handleCall, or later
// with Parley.reply once the matching response frame arrives.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExitError, Parley, sys, TimeoutError, type From } from "../../src/index.ts";
import { ClientHarness, type Hooks, type ProbeState } from "../helpers/client.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let rpc: TestServer;
beforeEach(async () => {
  h = new ClientHarness();
  // Answers {id, method: "add", params: [a, b]} with {id, result: a + b}; "never" is never answered;
  // "slow" is answered after 30 ms, so answers can overtake each other.
  rpc = h.defer(
    await startServer({
      echo: false,
      commands: false,
      onConnection: (ws) =>
        ws.on("message", (data) => {
          const req = JSON.parse(String(data)) as { id: number; method: string; params: number[] };
          const answer = (): void => ws.send(JSON.stringify({ id: req.id, result: req.params.reduce((a, b) => a + b, 0) }));
          if (req.method === "add") answer();
          else if (req.method === "slow") setTimeout(answer, 30);
        }),
    }),
  );
});
afterEach(() => h.cleanup());

/** A client that correlates calls with responses by id, keeping each caller's From until then. */
const correlating: Hooks = {
  call: (s, req, from) => {
    const { method, params } = req as { method: string; params: number[] };
    const id = (s["nextId"] as number | undefined) ?? 1;
    const waiting = new Map(s["waiting"] as Map<number, From> | undefined);
    waiting.set(id, from);
    return ["push", ["text", JSON.stringify({ id, method, params })], { ...s, nextId: id + 1, waiting }];
  },
  frame: (s, frame) => {
    if (frame[0] !== "text") return ["ok", s];
    const { id, result } = JSON.parse(frame[1]) as { id: number; result: unknown };
    const waiting = new Map(s["waiting"] as Map<number, From>);
    const from = waiting.get(id);
    if (from !== undefined) Parley.reply(from, result);
    waiting.delete(id);
    return ["ok", { ...s, waiting }];
  },
};

describe("rpc over a client", () => {
  it("handleCall can answer at once with [\"reply\", value, s]", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: { call: (s, req) => ["reply", ["got", req], { ...s, calls: 1 }] } });
    expect(await Parley.call(pid, "ping")).toEqual(["got", "ping"]);
  });

  it("answers later with Parley.reply when the response frame arrives", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: correlating });
    await h.next("connect", pid);
    expect(await Parley.call(pid, { method: "add", params: [1, 2] })).toBe(3);
  });

  it("correlates concurrent calls whose answers arrive out of order", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: correlating });
    await h.next("connect", pid);
    const results = await Promise.all([
      Parley.call(pid, { method: "slow", params: [100, 1] }),
      Parley.call(pid, { method: "add", params: [2, 2] }),
      Parley.call(pid, { method: "add", params: [3, 3, 3] }),
    ]);
    expect(results).toEqual([101, 4, 9]);
    // The slow answer came last on the wire.
    await rpc.waitFor("message", () => rpc.received.length === 3);
  });

  it("a call nobody answers rejects TimeoutError, and a late reply is harmless", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: correlating });
    await h.next("connect", pid);
    const t0 = performance.now();
    const err = await Parley.call(pid, { method: "never", params: [] }, 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const late = await Parley.call(pid, { method: "slow", params: [1] }, 5).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(TimeoutError);
    await h.next("frame", pid); // the slow answer arrives; its reply finds no caller
    expect(await Parley.call(pid, { method: "add", params: [5] })).toBe(5);
  });

  it("callers get ExitError when the client stops before answering", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: correlating });
    await h.next("connect", pid);
    const pending = Parley.call(pid, { method: "never", params: [] }).catch((e: unknown) => e);
    await rpc.waitFor("message");
    await Parley.stop(pid, "shutdown");
    const err = await pending;
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).reason).toBe("shutdown");
  });

  it("the state threaded through calls is the one handleCall returned", async () => {
    const pid = await h.start({ url: rpc.url }, { hooks: correlating });
    await h.next("connect", pid);
    await Parley.call(pid, { method: "add", params: [1] });
    await Parley.call(pid, { method: "add", params: [1] });
    const s = (await sys.getState(pid)) as ProbeState;
    expect(s["nextId"]).toBe(3);
    expect((s["waiting"] as Map<number, From>).size).toBe(0);
  });
});
