// One app instance for the scale-out scenario: its own front of the local
// sandbox over the shared database (as `npm start` starts it without
// OPENAI_API_KEY), and the product's tRPC handler (the API, the live feed) on a
// loopback port. The web pages are left out: the scenario drives the API.
// Prints "READY <origin>" when it serves.
import { createServer } from "node:http";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL is required");
const { launchSandbox } = await import("../../server/provider/sandbox/launch");
await launchSandbox({ databaseUrl });
const { listenHttp, tuneHttpServer } = await import("../../server/http/listen");
const { createTrpcNodeHandler } = await import("../../server/http/trpc");
const handler = createTrpcNodeHandler();
const server = createServer((req, res) => {
  if (req.url?.startsWith("/api/trpc/")) return handler(req, res);
  res.statusCode = 404;
  res.end();
});
const port = await listenHttp(tuneHttpServer(server), 0, "127.0.0.1");
console.log(`READY http://127.0.0.1:${port}`);
