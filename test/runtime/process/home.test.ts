// The distribution seam on a single node (no broker): this node is "nonode@nohost", `{ name, node }`
// reaches a local name here, and every other node is unreachable, answering as a down node does.
import { describe, expect, it } from "vitest";
import { ExitError, GenServer, NoProcError, OptionsError, register, send, whereis, type From } from "../../../src/index.ts";
import { link, unlink } from "../../../src/runtime/process/links.ts";
import { demonitor, monitor } from "../../../src/runtime/process/monitors.ts";
import { exit } from "../../../src/runtime/process/spawn.ts";
import { pidFromWire } from "../../../src/dist/remote-pids.ts";
import { useLogCapture, useProcesses, WAIT } from "../../helpers/runtime.ts";

class Echo extends GenServer<undefined> {
  override handleCall(req: unknown, _from: From, s: undefined) {
    return ["reply", ["echo", req], s] as const;
  }
}

describe("the distribution seam on one node", () => {
  useLogCapture();
  const { inbox } = useProcesses();

  it("{ name, node } with this node's name is the local name", async () => {
    const box = inbox();
    register("home-local", box.pid);
    send({ name: "home-local", node: "nonode@nohost" }, "hi");
    expect(await box.receive(undefined, WAIT)).toBe("hi");
    expect(whereis({ name: "home-local", node: "nonode@nohost" })).toBe(box.pid);
    expect(() => send({ name: "nobody", node: "nonode@nohost" }, 1)).toThrow(NoProcError);
    const server = await GenServer.start(Echo, undefined, { name: "home-echo" });
    expect(await GenServer.call({ name: "home-echo", node: "nonode@nohost" }, 1)).toEqual(["echo", 1]);
    await GenServer.stop(server);
  });

  it("another node is unreachable: sends are dropped, monitors and links answer noconnection, calls nodedown", async () => {
    const box = inbox(true);
    const dest = { name: "x", node: "elsewhere" };
    expect(() => send(dest, 1)).not.toThrow();
    expect(whereis(dest)).toBeUndefined();
    const ref = await box.run(() => monitor(dest));
    expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", dest, "noconnection"]);
    const err = await GenServer.call(dest, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({ reason: ["nodedown", "elsewhere"] });
    expect(() => GenServer.cast(dest, 1)).not.toThrow();
    // demonitor of a monitor whose DOWN came already: nothing to take back.
    await box.run(() => demonitor(ref));
  });

  it("a malformed { name, node } is an OptionsError naming it", async () => {
    for (const bad of [{ name: "", node: "b" }, { name: "a", node: 1 }, { name: "a", node: "b", extra: 1 }]) {
      expect(() => send(bad as never, 1)).toThrow(OptionsError);
    }
    await expect(GenServer.call({ name: "a", node: "" } as never, 1)).rejects.toThrow(OptionsError);
  });

  it("a Pid of a node that is gone (after Node.stop) is dead: link exits noconnection, exit and unlink do nothing", async () => {
    const box = inbox(true);
    const { joinWire, leaveWire } = await import("../../../src/dist/remote-pids.ts");
    const { unreachable } = await import("../../../src/runtime/process/home.ts");
    joinWire("self", 1, (node, incarnation) => ({ ...unreachable(node), incarnation }));
    const gone = pidFromWire(["gone", 2, 7]);
    leaveWire();
    await box.run(() => link(gone));
    expect(await box.receive(undefined, WAIT)).toEqual(["EXIT", gone, "noconnection"]);
    await box.run(() => unlink(gone));
    expect(() => exit(gone, "kill")).not.toThrow();
    expect(() => send(gone, 1)).not.toThrow();
    const ref = await box.run(() => monitor(gone));
    expect(await box.receive(undefined, WAIT)).toEqual(["DOWN", ref, "process", gone, "noconnection"]);
    await expect(GenServer.call(gone, 1)).rejects.toMatchObject({ reason: ["nodedown", "gone"] });
  });
});
