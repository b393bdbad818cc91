import { createServer, type Server } from "node:http";
import type { Db } from "../db";
import { answerReadiness, READY_PATH } from "../health/handler";
import { listenHttp, tuneHttpServer } from "../http/listen";
import { registerDatabaseCollectors } from "./collectors";
import { metrics } from "./registry";

export type MetricsServer = { url: string; close(): Promise<void> };

/**
 * GET /metrics (and GET /api/ready with every check's detail) on its own
 * port, never on the public one: the port is the
 * protection (bind it to a private interface; docs/DEPLOY.md). Each process
 * (app or worker) serves its own.
 */
export async function startMetricsServer({ port, host }: { port: number; host: string }): Promise<MetricsServer> {
  const { registry } = metrics();
  const server: Server = tuneHttpServer(
    createServer((req, res) => {
      const pathname = (req.url ?? "/").split("?")[0];
      // Readiness with every check's detail: the port is the protection, as for the metrics.
      if (req.method === "GET" && pathname === READY_PATH) return answerReadiness(res, { detail: true, draining: false });
      if (req.method !== "GET" || pathname !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found: GET /metrics\n");
        return;
      }
      registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text))
        .catch((error: unknown) => {
          console.error("metrics: collecting failed", error);
          res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
        });
    }),
  );
  const bound = await listenHttp(server, port, host);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The launchers' metrics endpoint: METRICS_PORT ("off" for none) on
 * METRICS_HOST, with the database gauges. A port already taken (a second
 * process on one machine) is reported, not fatal: set METRICS_PORT per process.
 */
export async function startProcessMetrics(args: { port: number | "off"; host: string; db: Db }): Promise<MetricsServer | null> {
  if (args.port === "off") return null;
  registerDatabaseCollectors(args.db);
  try {
    const server = await startMetricsServer({ port: args.port, host: args.host });
    console.log(`Metrics: ${server.url} (Prometheus; METRICS_PORT, METRICS_HOST)`);
    return server;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    console.error(
      `Metrics: port ${args.port} is taken (another process?), so this process serves none; set METRICS_PORT to another port, or "off"`,
    );
    return null;
  }
}
