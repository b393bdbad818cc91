import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

// How every HTTP server of the product listens. A burst of connections (a
// thousand cancels at once) on a busy machine outran Node's default listen
// backlog of 511: the kernel's accept queue overflowed and clients got
// ECONNRESET before the event loop could accept them. The kernel caps the
// backlog at net.core.somaxconn (4096 on current Linux; docs/DEPLOY.md).
export const LISTEN_BACKLOG = 4_096;

// Behind a load balancer, idle keep-alive connections must outlive the
// balancer's (commonly 60 s), or it sends a request on a socket we are
// closing; the headers timeout must exceed the keep-alive timeout, or Node
// drops idle keep-alive sockets early.
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;
// A request (headers and body) must arrive within this; live feeds are responses, not requests, so they are unaffected.
export const REQUEST_TIMEOUT_MS = 120_000;

export function tuneHttpServer(server: Server): Server {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}

/** Listens with the product's backlog; resolves with the bound port. */
export function listenHttp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Listens on every address, IPv6 and IPv4 ("::" is dual-stack on Linux, so
 * http://[::1]:PORT works beside localhost and 127.0.0.1), or on IPv4 alone
 * where the machine has no IPv6.
 */
export async function listenOnAllAddresses(server: Server, port: number): Promise<number> {
  try {
    return await listenHttp(server, port, "::");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw error;
    return listenHttp(server, port, "0.0.0.0");
  }
}
