// The @example blocks of src/runtime, run as written (with the classes they assume).
import diagnostics_channel from "node:diagnostics_channel";
import { describe, expect, it } from "vitest";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { GenStatem } from "../../src/runtime/behaviours/gen-statem.ts";
import type { EventType } from "../../src/runtime/behaviours/statem-actions.ts";
import { sys } from "../../src/runtime/behaviours/sys.ts";
import { send } from "../../src/runtime/names/names.ts";
import { exit } from "../../src/runtime/process/spawn.ts";
import { Registry } from "../../src/runtime/names/registry.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import { Parley } from "../../src/client/parley.ts";
import type { Frame } from "../../src/client/frames.ts";
import type { ConnectStopMessage } from "../../src/client/telemetry.ts";
import { startServer } from "../helpers/ws-server.ts";
import { useLogCapture } from "../helpers/runtime.ts";
import { inspect, TimeoutError } from "../../src/index.ts";

useLogCapture();

describe("docs: runtime", () => {
  it("inspect", () => {
    expect(inspect(["error", new TimeoutError(5000, "call")])).toBe('["error", TimeoutError: call timed out after 5000 ms]');
    expect(inspect({ ok: [1, [2, [3, [4, [5]]]]] })).toBe("{ok: [1, [2, [3, […]]]]}");
  });

  it("GenServer", async () => {
    class Counter extends GenServer<number> {
      override init(start: number) { return ["ok", start] as const; }
      override handleCall(req: "get", _from: From, n: number) { return ["reply", n, n] as const; }
      override handleCast(req: "inc", n: number) { return ["noreply", n + 1] as const; }
    }
    const pid = await Counter.start(0);
    GenServer.cast(pid, "inc");
    expect(await GenServer.call(pid, "get")).toBe(1);
    await GenServer.stop(pid);
  });

  it("GenStatem", async () => {
    class Door extends GenStatem<"locked" | "open", { code: string }> {
      override init(code: string) { return ["ok", "locked", { code }] as const; }
      override handleEvent(type: EventType, content: unknown, state: "locked" | "open", data: { code: string }) {
        if (type === "enter") return ["keep_state_and_data"] as const;
        if (Array.isArray(type) && type[0] === "call" && state === "locked" && content === data.code) {
          return ["next_state", "open", data, [["reply", type[1], "ok"], ["state_timeout", 1000, "lock"]]] as const;
        }
        if (type === "state_timeout") return ["next_state", "locked", data] as const;
        if (Array.isArray(type) && type[0] === "call") return ["keep_state_and_data", [["reply", type[1], "locked"]]] as const;
        return ["keep_state_and_data"] as const;
      }
    }
    const door = await Door.start("1234");
    expect(await GenStatem.call(door, "1234")).toBe("ok");
    await GenStatem.stop(door);
  });

  it("sys", async () => {
    class Counter extends GenServer<number> {}
    const counter = await Counter.start(1);
    expect(await sys.getState(counter)).toBe(1);
    await sys.replaceState(counter, (n: number) => n + 10);
    expect(await sys.getState(counter)).toBe(11);
    expect((await sys.getStatus(counter)).status).toBe("running");
    await GenServer.stop(counter);
  });

  it("Inbox", async () => {
    const inbox = new Inbox();
    send(inbox.pid, ["hello", 1]);
    expect(await inbox.receive()).toEqual(["hello", 1]);
    inbox.close();
  });

  it("Registry", async () => {
    class Feed extends GenServer<string> {}
    const registry = await Registry.startLink({ keys: "unique", name: "feeds" });
    const pid = await Feed.start("btc", { name: { via: [Registry, ["feeds", "btc"]] } });
    expect(Registry.lookup("feeds", "btc")).toEqual([[pid, undefined]]);
    await GenServer.stop(pid);
    exit(registry, "kill");
  });

  it("telemetry channels", async () => {
    const srv = await startServer();
    class Quiet extends Parley<null> {}
    const seen = new Promise<ConnectStopMessage>((resolve) => {
      const onStop = (event: unknown): void => {
        diagnostics_channel.unsubscribe("parley:connect:stop", onStop);
        resolve(event as ConnectStopMessage);
      };
      diagnostics_channel.subscribe("parley:connect:stop", onStop);
    });
    const pid = await Quiet.start(null, { url: srv.url });
    const { url, attempt, outcome } = await seen;
    expect([url, attempt, outcome]).toEqual([srv.url, 0, "ok"]);
    await Parley.stop(pid);
    await srv.close();
  });
});

describe("docs: client", () => {
  it("Parley", async () => {
    const srv = await startServer();
    class Echo extends Parley<string[]> {
      override handleConnect(seen: string[]) { return ["push", ["text", "hello"], seen] as const; }
      override handleFrame(frame: Frame, seen: string[]) {
        return ["ok", frame[0] === "text" ? [...seen, frame[1]] : seen] as const;
      }
    }
    const pid = await Echo.start([], { url: srv.url, reconnect: true });
    await Parley.sendFrame(pid, ["text", "hi"]);
    await srv.waitFor("message", (e) => e.frame.data === "hi");
    await Parley.stop(pid);
    await srv.close();
  });

  it("Parley.sendFrame", async () => {
    // An exchange that is down: the client keeps reconnecting, the order waits in its queue.
    const exchange = await startServer();
    await exchange.close();
    const pid = await Parley.start(class Orders extends Parley<null> {}, null, { url: exchange.url, reconnect: true, name: "exchange" });
    const order = { id: 17, side: "buy", price: 101.5 };
    const cancelled: number[] = [];
    // An order must not go out late: if it is not on the wire within 200 ms, cancel it here.
    try {
      await Parley.sendFrame("exchange", ["text", JSON.stringify(order)], { timeout: 200 });
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      cancelled.push(order.id); // it will not be sent after this
    }
    expect(cancelled).toEqual([17]);
    await exchange.restart();
    await Parley.sendFrame(pid, ["text", "after"]);
    await exchange.waitFor("message", (e) => e.frame.data.toString() === "after");
    expect(exchange.received.map((f) => f.data.toString())).toEqual(["after"]);
    await Parley.stop(pid);
    await exchange.close();
  });
});
