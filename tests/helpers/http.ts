import { createServer } from "node:http";
import { createTRPCClient, httpLink } from "@trpc/client";
import { listenHttp, tuneHttpServer } from "../../server/http/listen";
import { createTrpcNodeHandler } from "../../server/http/trpc";
import type { AppRouter } from "../../server/trpc/root";

/** The API's real HTTP handler on a loopback port. */
export async function startApiServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const handler = createTrpcNodeHandler();
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/api/trpc/")) return handler(req, res);
    res.statusCode = 404;
    res.end();
  });
  // Listening as the product's servers do (backlog, timeouts): load tests meet the product's settings.
  const port = await listenHttp(tuneHttpServer(server), 0, "127.0.0.1");
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function trpcClient(origin: string, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${origin}/api/trpc`, headers })] });
}
