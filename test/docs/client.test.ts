// The @example blocks of src/client added for pull mode and codecs, run as written (against a
// loopback echo server instead of the URLs they show).
import { describe, expect, it } from "vitest";
import { codecs, type JsonValue, Parley } from "../../src/index.ts";
import { useLogCapture } from "../helpers/runtime.ts";
import { startServer } from "../helpers/ws-server.ts";

useLogCapture();

describe("docs: client", () => {
  it("codecs", async () => {
    const srv = await startServer();
    try {
      class Lobby extends Parley<number, JsonValue, { event: string }> {}
      const pid = await Lobby.start(0, { url: srv.url, codec: codecs.json });
      await Parley.send(pid, { event: "join" }); // the text frame {"event":"join"}
      expect((await srv.waitFor("message")).frame).toMatchObject({ kind: "text", data: '{"event":"join"}' });
      await Parley.stop(pid);
    } finally {
      await srv.close();
    }
  });

  it("Parley.stream", async () => {
    const srv = await startServer();
    try {
      const pid = await Parley.start(class extends Parley {}, null, { url: srv.url, active: false });
      await Parley.sendFrame(pid, ["text", "send-many:2"]);
      const seen: unknown[] = [];
      const log = (frame: unknown): number => seen.push(frame);
      for await (const frame of Parley.stream(pid)) if (log(frame) === 2) break;
      expect(seen).toEqual([["text", "1"], ["text", "2"]]);
      await Parley.stop(pid);
    } finally {
      await srv.close();
    }
  });
});
