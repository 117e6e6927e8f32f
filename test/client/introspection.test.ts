// What the Observer reads of a client between two events: status, frame counters, the last
// disconnect reason, and a redacted URL even while the user's init still runs.
import { describe, expect, it } from "vitest";
import { DynamicSupervisor, Parley, self, send } from "../../src/index.ts";
import { describeClient } from "../../src/client/introspection.ts";
import { behaviourOf } from "../../src/runtime/behaviours/behaviour-process.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { lookup } from "../../src/runtime/process/process.ts";
import { ClientHarness, Probe, type ProbeState, useEchoHarness } from "../helpers/client.ts";
import type { TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

const describePid = (pid: Pid) => describeClient(behaviourOf(lookup(pid)!)!);

describe("describeClient", () => {
  it("counts frames in and out and shows the status fields", async () => {
    const pid = await h.start({ url: srv.url, heartbeat: false });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "one"]);
    await Parley.sendFrame(pid, ["text", "two"]);
    await h.next("frame", pid);
    await h.next("frame", pid);
    // Served between two events, like the sampler's reads.
    await Parley.status(pid);
    expect(describePid(pid)).toEqual({ state: "connected", url: srv.url, attempt: 0, queued: 0, framesIn: 2, framesOut: 2, lastDisconnect: undefined });
  });

  it("keeps the reason of the last lost connection", async () => {
    const pid = await h.start({ url: srv.url, heartbeat: false, reconnect: false });
    await h.next("connect", pid);
    await Parley.sendFrame(pid, ["text", "close:4001:going"]);
    await h.next("disconnect", pid);
    await Parley.status(pid);
    expect(describePid(pid)).toMatchObject({ state: "disconnected", lastDisconnect: ["remote_close", 4001, "going"] });
  });

  it("shows the URL redacted as status does, even while init runs", async () => {
    let release!: (value: unknown) => void;
    const url = `${srv.url.replace("ws://", "ws://user:pw@")}?token=abc&x=1`;
    const starting = Probe.start(
      {
        to: h.inbox.pid,
        hooks: {
          init: (s: ProbeState) => {
            send(s.to, ["in-init", self()]);
            return new Promise((resolve) => (release = resolve)).then(() => ["ok", s]);
          },
        },
      },
      { url, heartbeat: false },
    );
    const pid = h.track(await h.receive((m) => (Array.isArray(m) && m[0] === "in-init" ? (m[1] as Pid) : undefined)));
    expect(describePid(pid)).toEqual({
      state: "connecting",
      url: `${srv.url.replace("ws://", "ws://redacted:redacted@")}/?token=redacted&x=1`,
      attempt: 0,
      queued: 0,
      framesIn: 0,
      framesOut: 0,
      lastDisconnect: undefined,
    });
    release(undefined);
    await starting;
    expect((await Parley.status(pid)).url).toBe(describePid(pid)!.url);
  });

  it("is undefined for a behaviour that is not a client", async () => {
    const sup = h.track(await DynamicSupervisor.startLink());
    expect(describePid(sup)).toBeUndefined();
  });
});
