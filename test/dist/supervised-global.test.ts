// A supervised child that holds a { global } name, crashed again and again: each restart claims the
// name at once, though the crashed child's release may still be in flight to the bucket (the name
// table frees an entry whose holder is an ended process of this node before it claims).
import { afterEach, expect, it } from "vitest";
import { GenServer, Global, Supervisor, type Pid } from "../../src/index.ts";
import { Node } from "../../src/dist/node.ts";
import { until } from "../helpers/client.ts";
import { useLogCapture } from "../helpers/runtime.ts";
import { describeWithNats, uniqueCluster, useNats } from "../helpers/nats.ts";
import { FAST } from "./support.ts";

const NAME = ["crasher", 1];

class Crasher extends GenServer<null> {
  override handleCall(req: unknown) {
    if (req === "crash") throw new Error("told to crash");
    return ["reply", req, null] as const;
  }
}

describeWithNats("a supervised child with a { global } name", () => {
  const nats = useNats();
  const logs = useLogCapture();
  afterEach(async () => {
    await Node.stop();
  });

  it("comes back under its name after every crash, with no start_error", async () => {
    await Node.start("t", { servers: nats.url, cluster: uniqueCluster("sg"), ...FAST });
    const sup = await Supervisor.startLink([{ id: "c", start: () => Crasher.startLink(null, { name: { global: NAME } }) }], {
      strategy: "one_for_one",
      maxRestarts: 100,
      maxSeconds: 60,
    });
    let holder: Pid | undefined = Global.whereisName(NAME);
    expect(holder).toBeDefined();
    for (let i = 0; i < 20; i++) {
      await GenServer.call({ global: NAME }, "crash").catch(() => undefined);
      await until(() => {
        const now = Global.whereisName(NAME);
        return now !== undefined && now !== holder;
      }, 5_000);
      holder = Global.whereisName(NAME);
    }
    expect(await GenServer.call({ global: NAME }, "still here")).toBe("still here");
    expect(logs.lines.filter((line) => line["report"] === "start_error")).toEqual([]);
    await Supervisor.stop(sup);
  });
});
