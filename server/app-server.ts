import path from "node:path";
import next from "next";
import { serveProduct, type ApiMounts } from "./http/serve";

export type { ApiMounts } from "./http/serve";
export type AppServer = { url: string; close(): Promise<void> };

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
  const app = next({
    dev: opts.dev ?? false,
    dir: path.resolve(import.meta.dirname, ".."),
    hostname: opts.hostname ?? "localhost",
    port: opts.port,
  });
  await app.prepare();
  const nextHandler = app.getRequestHandler();
  const server = await serveProduct({
    port: opts.port,
    hostname: opts.hostname,
    mounts: opts.mounts,
    shutdownTimeoutMs: opts.shutdownTimeoutMs,
    pages: (req, res) => {
      nextHandler(req, res).catch((error: unknown) => {
        console.error("page request failed", error);
        if (!res.headersSent) res.writeHead(500).end("Internal error");
      });
    },
  });
  return {
    url: `http://localhost:${server.port}`,
    close: async () => {
      await server.close();
      await app.close();
    },
  };
}
