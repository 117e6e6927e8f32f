// The broker helper itself: a real nats-server that accepts clients, stops and comes back on the
// same port with its JetStream store.
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { expect, it } from "vitest";
import { describeWithNats, natsRestartable, useNats } from "./nats.ts";

describeWithNats("test nats-server", () => {
  const nats = useNats();

  it("accepts clients and serves JetStream KV", async () => {
    const nc = await connect({ servers: nats.url });
    const kv = await new Kvm(nc).create(`helper_${process.pid}`);
    await kv.put("k", "v");
    expect((await kv.get("k"))?.string()).toBe("v");
    await nc.close();
  });

  it.skipIf(!natsRestartable)("restarts on the same port with the same store", async () => {
    const bucket = `helper_restart_${process.pid}`;
    let nc = await connect({ servers: nats.url });
    await (await new Kvm(nc).create(bucket)).put("k", "kept");
    await nc.close();
    await nats.server.stop();
    await expect(connect({ servers: nats.url, reconnect: false, timeout: 500 })).rejects.toThrow();
    await nats.server.restart();
    nc = await connect({ servers: nats.url });
    expect((await (await new Kvm(nc).open(bucket)).get("k"))?.string()).toBe("kept");
    await nc.close();
  });
});
