// Parley's type parameters (API §9): Parley<S, In, Out> with R, the disconnect reasons, after them.
import { describe, expectTypeOf, it } from "vitest";
import {
  type ClientResult,
  type ClientStatus,
  type Codec,
  codecs,
  type ConnectInfo,
  type DisconnectReason,
  type Frame,
  type JsonValue,
  Parley,
  type PongFrame,
  type SocketAddress,
} from "../../src/index.ts";

type Msg = { readonly topic: string; readonly payload: JsonValue };

class Plain extends Parley<number> {
  override handleFrame(frame: Frame, n: number) {
    expectTypeOf(frame).toEqualTypeOf<Frame>();
    return ["push", ["text", String(n)], n + 1] as const;
  }
}

class Json extends Parley<number, JsonValue, Msg, "bye"> {
  override handleFrame(v: JsonValue | PongFrame, n: number): ClientResult<number, Msg, "bye"> {
    if (v === null) return ["disconnect", "bye", n];
    return ["push", { topic: "t", payload: 1 }, n];
  }
  override handleDisconnect(reason: DisconnectReason<"bye">, n: number) {
    expectTypeOf(reason).toEqualTypeOf<DisconnectReason<"bye">>();
    return ["ok", n] as const;
  }
}

describe("Parley<S, In, Out, R>", () => {
  it("defaults In and Out to Frame, so one type parameter keeps working", () => {
    expectTypeOf<Plain>().toMatchTypeOf<Parley<number>>();
    expectTypeOf<Parley<number>>().toEqualTypeOf<Parley<number, Frame, Frame, unknown>>();
  });

  it("with a codec, handleFrame takes In (or a pong) and a push takes Out", () => {
    expectTypeOf<Parameters<Json["handleFrame"]>[0]>().toEqualTypeOf<JsonValue | PongFrame>();
    // @ts-expect-error a push takes Out, not a frame, once Out is given
    const bad: ClientResult<number, Msg> = ["push", ["text", "x"], 1];
    void bad;
  });

  it("send, recv and stream take and give the codec's types", () => {
    expectTypeOf(Parley.send<Msg>).parameter(1).toEqualTypeOf<Msg>();
    expectTypeOf(Parley.recv<JsonValue>).returns.toEqualTypeOf<Promise<JsonValue | PongFrame>>();
    const recvPlain = () => Parley.recv("client");
    expectTypeOf(recvPlain).returns.resolves.toMatchTypeOf<Frame>();
    expectTypeOf(Parley.stream<JsonValue>).returns.toEqualTypeOf<AsyncIterable<JsonValue | PongFrame>>();
    expectTypeOf(codecs.json).toMatchTypeOf<Codec<JsonValue, unknown>>();
  });

  it("addresses are in ConnectInfo and, optional, in ClientStatus", () => {
    expectTypeOf<ConnectInfo["peer"]>().toEqualTypeOf<SocketAddress | undefined>();
    expectTypeOf<ClientStatus["local"]>().toEqualTypeOf<SocketAddress | undefined>();
    expectTypeOf<SocketAddress["family"]>().toEqualTypeOf<"IPv4" | "IPv6">();
  });
});
