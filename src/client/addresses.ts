/**
 * The two ends of a connection's TCP socket (hackney_ws's `peername` and `sockname`): which server
 * a client actually reached behind DNS or a load balancer, and from where.
 */
import type { Socket } from "node:net";

/** One end of a TCP connection: an IP address (never a host name) and a port. */
export interface SocketAddress {
  /** The IP address, e.g. `"127.0.0.1"` or `"::1"`. */
  readonly address: string;
  /** The TCP port. */
  readonly port: number;
  /** Which IP version `address` is. */
  readonly family: "IPv4" | "IPv6";
}

/** Both ends of an open connection's socket. */
export interface Addresses {
  /**
   * The address the TCP connection reached: the server's, or the proxy's when the client dials
   * through a proxy `agent` (the tunnel's far end is not visible to the client).
   */
  readonly peer: SocketAddress;
  /** The client's own end of the connection. */
  readonly local: SocketAddress;
}

/**
 * Both ends of `socket`, read once when the connection opens; undefined when the socket no longer
 * knows them (it was destroyed between the upgrade and this read).
 */
export function addressesOf(socket: Socket | undefined): Addresses | undefined {
  if (socket === undefined) return undefined;
  const peer = end(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
  const local = end(socket.localAddress, socket.localPort, socket.localFamily);
  return peer === undefined || local === undefined ? undefined : Object.freeze({ peer, local });
}

function end(address: string | undefined, port: number | undefined, family: string | undefined): SocketAddress | undefined {
  if (address === undefined || port === undefined) return undefined;
  // A TLS socket over a proxy's tunnel reports no family of its own: the address tells.
  const f = family === "IPv6" || (family === undefined && address.includes(":")) ? "IPv6" : "IPv4";
  return Object.freeze({ address, port, family: f });
}
