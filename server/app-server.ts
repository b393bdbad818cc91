import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import next from "next";
import { secureRequest } from "./http/security-headers";
import { createTrpcNodeHandler, TRPC_ENDPOINT } from "./http/trpc";

export type AppServer = { url: string; close(): Promise<void> };
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Extra API handlers mounted ahead of Next (path prefix → handler). */
export type ApiMounts = Array<{ prefix: string; handler: Handler }>;

/**
 * One HTTP server for the whole product. The APIs are answered by tRPC's
 * Node handler directly; only pages (and auth) go through Next's request
 * handling, which costs ~1 ms of CPU a request (see docs/BENCHMARKS.md).
 */
export async function startAppServer(opts: { port: number; hostname?: string; dev?: boolean; mounts?: ApiMounts }): Promise<AppServer> {
  const hostname = opts.hostname ?? "0.0.0.0";
  const app = next({ dev: opts.dev ?? false, dir: path.resolve(import.meta.dirname, ".."), hostname, port: opts.port });
  await app.prepare();
  const nextHandler = app.getRequestHandler();
  const mounts: ApiMounts = [{ prefix: `${TRPC_ENDPOINT}/`, handler: createTrpcNodeHandler() }, ...(opts.mounts ?? [])];

  const server: Server = createServer((req, res) => {
    secureRequest(req, res); // security headers on every answer; the client's address from the socket
    const url = req.url ?? "/";
    const mount = mounts.find((m) => url.startsWith(m.prefix));
    if (mount) return mount.handler(req, res);
    nextHandler(req, res).catch((error: unknown) => {
      console.error("page request failed", error);
      if (!res.headersSent) res.writeHead(500).end("Internal error");
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await app.close();
    },
  };
}
