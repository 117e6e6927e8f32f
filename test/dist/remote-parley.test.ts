// A WebSocket client on another node is used exactly as a local one: Parley.sendFrame,
// sendFrameAsync, call, cast, status, disconnect and connect through its remote Pid or a name.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Parley, type Pid } from "../../src/index.ts";
import { Node } from "../../src/dist/node.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { startNode, useNodeProcesses, type NodeProcess } from "../helpers/node-process.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";
import { FAST, pidOf } from "./support.ts";

describeWithNats("Parley across nodes", () => {
  const nats = useNats();
  useNodeProcesses();
  let a: NodeProcess;
  let ws: TestServer;
  let client: Pid;
  beforeAll(async () => {
    const cluster = uniqueCluster("parley");
    ws = await startServer();
    a = await startNode("a", { url: nats.url, cluster });
    await Node.start("t", { servers: nats.url, cluster, ...FAST });
    client = pidOf(await a.request("spawnParley", ["c", ws.url, "feed"]));
    await ws.waitFor("connection");
  }, 20_000);
  afterAll(async () => {
    await Node.stop();
    await ws.close();
  });

  it("sends frames through a remote client and reads its status", async () => {
    await Parley.sendFrame(client, ["text", "hello"]);
    expect(await a.next("c")).toEqual(["frame", ["text", "hello"]]);
    await Parley.sendFrame({ name: "feed", node: "a" }, ["binary", new Uint8Array([7, 8, 9])]);
    const frame = (await a.next("c")) as [string, [string, { data?: number[] } | Uint8Array]];
    expect(frame[1][0]).toBe("binary");
    expect((await ws.waitFor("message", (e) => e.frame.kind === "binary")).frame.data).toEqual(Buffer.from([7, 8, 9]));
    Parley.sendFrameAsync(client, ["text", "async"]);
    expect(await a.next("c")).toEqual(["frame", ["text", "async"]]);
    expect(await Parley.status(client)).toMatchObject({ state: "connected", url: ws.url, attempt: 0, queued: 0 });
  });

  it("calls and casts a remote client; bad frames are rejected at the sender", async () => {
    expect(await Parley.call(client, { q: 1 })).toEqual(["parley", { q: 1 }]);
    Parley.cast(client, "c1");
    expect(await a.next("c")).toEqual(["cast", "c1"]);
    await expect(Parley.sendFrame(client, ["text", 42] as never)).rejects.toMatchObject({ name: "InvalidFrameError" });
  });

  it("disconnects and connects a remote client", async () => {
    await Parley.disconnect(client);
    expect(await Parley.status(client)).toMatchObject({ state: "disconnected" });
    await expect(Parley.sendFrame(client, ["text", "down"])).rejects.toMatchObject({ name: "NotConnectedError" });
    await Parley.connect(client);
    await ws.waitFor("connection", undefined, 2000);
    await Parley.sendFrame(client, ["text", "up again"]);
    expect(await a.next("c", (m) => (JSON.stringify(m).includes("up again") ? m : undefined))).toEqual(["frame", ["text", "up again"]]);
  });
});
