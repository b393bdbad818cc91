// The provider of the benchmark's scale section, in a process of its own: the
// local OpenAI sandbox and the local Together sandbox (the product's own,
// unchanged), their state in a Postgres of their own, so that neither their
// CPU nor their database counts as the product's. The only addition is a
// record of every provider API request as it arrives (time, front, method,
// path, how long its answer took), which the benchmark reads from a small
// HTTP listener of its own: the provider calls a second, when each job was
// read, and whether the provider itself was slow.
//
// Environment: SCALE_SANDBOX_DATABASE_URL, SCALE_SANDBOX_OPENAI_KEY,
// SCALE_SANDBOX_TOGETHER_KEY, SCALE_SANDBOX_CONTROL_TOKEN,
// SCALE_SANDBOX_TIMINGS and SCALE_SANDBOX_TOGETHER_TIMINGS (JSON). Prints
// "READY {openai, together, log}" (URLs) once both fronts listen.
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { syncBuiltinESMExports } from "node:module";

/** One provider request: [arrival, ms since the epoch; front (0 OpenAI, 1 Together); method; path; ms until its answer was sent (-1 while it is not)]. */
export type Hit = [number, 0 | 1, string, string, number];

const hits: Hit[] = [];
let front: 0 | 1 = 0;

// Every server the sandbox makes gets its listener wrapped: the request is
// written down, then handed on untouched. Control-API requests (/_sandbox) are
// not provider traffic and are not recorded.
const createServer = http.createServer;
const recorded = (listener: RequestListener, label: 0 | 1): RequestListener =>
  function (this: unknown, req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!path.startsWith("/_sandbox")) {
      const hit: Hit = [Date.now(), label, req.method ?? "GET", path, -1];
      hits.push(hit);
      res.once("close", () => (hit[4] = Date.now() - hit[0]));
    }
    listener.call(this, req, res);
  };
http.createServer = (...args: unknown[]) => {
  const at = args.findIndex((a) => typeof a === "function");
  if (at >= 0) args[at] = recorded(args[at] as RequestListener, front);
  return (createServer as (...a: unknown[]) => http.Server)(...args);
};
syncBuiltinESMExports();

const { startSandbox } = await import("../../server/provider/sandbox/index");

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const databaseUrl = env("SCALE_SANDBOX_DATABASE_URL");
const controlToken = env("SCALE_SANDBOX_CONTROL_TOKEN");

front = 0;
const openai = await startSandbox({
  databaseUrl,
  apiKey: env("SCALE_SANDBOX_OPENAI_KEY"),
  controlToken,
  timings: JSON.parse(env("SCALE_SANDBOX_TIMINGS")) as Record<string, number>,
});
front = 1;
const together = await startSandbox({
  flavor: "together",
  databaseUrl,
  apiKey: env("SCALE_SANDBOX_TOGETHER_KEY"),
  controlToken,
  timings: JSON.parse(env("SCALE_SANDBOX_TOGETHER_TIMINGS")) as Record<string, number>,
});
http.createServer = createServer;
syncBuiltinESMExports();

// GET /hits?from=N: the requests recorded from index N on, and the next index.
const log = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname !== "/hits") return void res.writeHead(404).end();
  const from = Math.max(0, Number(url.searchParams.get("from") ?? 0) || 0);
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ next: hits.length, hits: hits.slice(from) }));
});
await new Promise<void>((resolve) => log.listen(0, "127.0.0.1", resolve));
const logPort = (log.address() as AddressInfo).port;

let closing = false;
const close = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  log.close();
  log.closeAllConnections();
  await Promise.allSettled([openai.close(), together.close()]);
  process.exit(0);
};
process.on("SIGTERM", () => void close());
process.on("SIGINT", () => void close());

console.log(`READY ${JSON.stringify({ openai: openai.url, together: together.url, log: `http://127.0.0.1:${logPort}` })}`);
