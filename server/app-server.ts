import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import next from "next";
import { closeLiveFeeds } from "./finetuning/changes";
import { createHealthHandler, HEALTH_PATH, READY_PATH } from "./health/handler";
import { listenHttp, tuneHttpServer } from "./http/listen";
import { createTrpcNodeHandler, TRPC_ENDPOINT } from "./http/trpc";
import { instrumentRequest } from "./metrics/http";

export type AppServer = { url: string; close(): Promise<void> };
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Extra API handlers mounted ahead of Next (path prefix → handler). */
export type ApiMounts = Array<{ prefix: string; handler: Handler }>;

export type AppServerOptions = {
  port: number;
  hostname?: string;
  dev?: boolean;
  mounts?: ApiMounts;
  /** Graceful shutdown: how long in-flight requests may take to finish before their connections are cut. */
  shutdownTimeoutMs?: number;
};

/**
 * One HTTP server for the whole product. The APIs are answered by tRPC's
 * Node handler directly; only pages (and auth) go through Next's request
 * handling, which costs ~1 ms of CPU a request (docs/BENCHMARKS.md).
 */
export async function startAppServer(opts: AppServerOptions): Promise<AppServer> {
  const hostname = opts.hostname ?? "0.0.0.0";
  const app = next({ dev: opts.dev ?? false, dir: path.resolve(import.meta.dirname, ".."), hostname, port: opts.port });
  await app.prepare();
  const nextHandler = app.getRequestHandler();
  let draining = false;
  const health = createHealthHandler({ draining: () => draining });
  const mounts: ApiMounts = [
    { prefix: HEALTH_PATH, handler: health },
    { prefix: READY_PATH, handler: health },
    { prefix: `${TRPC_ENDPOINT}/`, handler: createTrpcNodeHandler() },
    ...(opts.mounts ?? []),
  ];

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server: Server = tuneHttpServer(
    createServer((req, res) => {
      inFlight++;
      res.once("close", () => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
      // While draining, answer what arrives on open connections but let each close after its response.
      if (draining) res.setHeader("connection", "close");
      instrumentRequest(req, res);
      const url = req.url ?? "/";
      const mount = mounts.find((m) => url.startsWith(m.prefix));
      if (mount) return mount.handler(req, res);
      nextHandler(req, res).catch((error: unknown) => {
        console.error("page request failed", error);
        if (!res.headersSent) res.writeHead(500).end("Internal error");
      });
    }),
  );
  const port = await listenHttp(server, opts.port, hostname);

  return {
    url: `http://localhost:${port}`,
    /**
     * Graceful shutdown: stop accepting connections (and answer readiness
     * with 503), end live feeds so browsers reconnect to another instance,
     * let in-flight requests finish within shutdownTimeoutMs, then cut
     * whatever is left.
     */
    close: async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeLiveFeeds();
      server.closeIdleConnections();
      const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
      const timeout = opts.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([drained.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeout)))]);
      clearTimeout(timer);
      if (late) console.error(`shutdown: ${inFlight} request(s) still running after ${timeout} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
      await app.close();
    },
  };
}
