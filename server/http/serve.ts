import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeLiveFeeds } from "../finetuning/changes";
import { createHealthHandler, HEALTH_PATH, READY_PATH } from "../health/handler";
import { instrumentRequest } from "../telemetry/http";
import { listenHttp, listenOnAllAddresses, tuneHttpServer } from "./listen";
import { routedPath } from "./path";
import { errorResponse } from "./rest/errors";
import { secureRequest } from "./security-headers";
import { createTrpcNodeHandler, TRPC_ENDPOINT } from "./trpc";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** API handlers answered ahead of the pages (path prefix → handler). */
export type ApiMounts = Array<{ prefix: string; handler: Handler }>;

export type ServeOptions = {
  port: number;
  /** Where to listen; every address (IPv6 and IPv4) when absent. */
  hostname?: string;
  mounts?: ApiMounts;
  /** Everything no mount answers: the pages (Next). */
  pages: Handler;
  /** Graceful shutdown: how long in-flight requests may take to finish before their connections are cut. */
  shutdownTimeoutMs?: number;
};

export type ProductServer = { port: number; close(): Promise<void> };

/**
 * The product's HTTP server: health and readiness, tRPC, the given mounts,
 * then the pages; every request counted for GET /metrics.
 */
export async function serveProduct(opts: ServeOptions): Promise<ProductServer> {
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
      // While draining, answer what arrives on open connections but close each after its response.
      if (draining) res.setHeader("connection", "close");
      instrumentRequest(req, res);
      secureRequest(req, res); // security headers on every answer; the client's address from the socket
      // Routed on the path Next would route on, so no spelling of an API path slips past its guards.
      const routed = routedPath(req.url ?? "/");
      if (!routed.ok) {
        const refused = errorResponse("BAD_REQUEST", routed.reason, { headers: { connection: "close" } });
        res.writeHead(refused.status, refused.headers);
        return void res.end(refused.body);
      }
      req.url = routed.url;
      const mount = mounts.find((m) => routed.pathname.startsWith(m.prefix));
      return (mount?.handler ?? opts.pages)(req, res);
    }),
  );
  const port =
    opts.hostname === undefined ? await listenOnAllAddresses(server, opts.port) : await listenHttp(server, opts.port, opts.hostname);

  return {
    port,
    /**
     * Graceful shutdown: stop accepting connections (readiness answers 503
     * meanwhile), end live feeds so browsers reconnect to another instance,
     * let in-flight requests finish within shutdownTimeoutMs, then cut
     * whatever is left.
     */
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeLiveFeeds();
      server.closeIdleConnections();
      const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
      const timeout = opts.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeout))),
      ]);
      clearTimeout(timer);
      if (late) console.error(`shutdown: ${inFlight} request(s) still running after ${timeout} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    },
  };
}
