// Local OpenAI-compatible fine-tuning sandbox: a real loopback HTTP server the
// official `openai` SDK talks to, with fault injection for tests. With a
// database its state lives in Postgres (store-pg.ts), shared by every front on
// that database and kept across restarts; without, in this process's memory.
// Faults and request stats belong to each front.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { apiRoutes } from "./api-routes";
import { createRequestListener } from "./dispatch";
import { togetherRoutes } from "./together/routes";
import { FaultBook } from "./faults";
import { allFiles } from "./files";
import { completeJob, failJob, jobsMatching, setLossShape } from "./jobs";
import { memoryStore, type SandboxStore } from "./state";
import { pgStore } from "./store-pg";
import { parseTimings } from "./timings";
import { warmUp } from "./tokens";
import { DEFAULT_TIMINGS, type Sandbox, type SandboxOptions, type SandboxStats } from "./types";
import { view } from "./view";

export type {
  Fault,
  FaultRule,
  LossShape,
  Sandbox,
  SandboxFile,
  SandboxFlavor,
  SandboxJob,
  SandboxOptions,
  SandboxStats,
  SandboxTimings,
} from "./types";
export { DEFAULT_TIMINGS, LOSS_SHAPES } from "./types";

function emptyStats(): SandboxStats {
  return { total: 0, byRoute: {}, faults: {} };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  const flavor = options.flavor ?? "openai";
  await warmUp();
  const given = parseTimings(options.timings ?? {});
  const initialTimings = { ...DEFAULT_TIMINGS, ...given };
  const store: SandboxStore = options.databaseUrl
    ? await pgStore({
        databaseUrl: options.databaseUrl,
        schema: options.schema ?? (flavor === "together" ? "sandbox_together" : "sandbox"),
        timings: Object.keys(given).length > 0 ? initialTimings : undefined,
        fallback: initialTimings,
      })
    : memoryStore(initialTimings);
  const core = { store };
  const controlToken = options.controlToken ?? randomBytes(24).toString("base64url");
  const apiKey = options.apiKey ?? `sk-sandbox-${randomBytes(24).toString("base64url")}`;
  const faults = new FaultBook();
  let stats = emptyStats();
  let closed = false;
  // Filled once the server listens; the request listener reads them lazily.
  const started: { sandbox?: Sandbox; host?: string } = {};

  const server = createServer(
    createRequestListener({
      core,
      routes: flavor === "together" ? togetherRoutes : apiRoutes,
      apiKey,
      faults,
      controlToken,
      controlHost: () => started.host ?? "",
      get stats() {
        return stats;
      },
      sandbox: () => {
        if (!started.sandbox) throw new Error("sandbox not started");
        return started.sandbox;
      },
      isClosed: () => closed,
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  started.host = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const origin = `http://${started.host}`;

  const sandbox: Sandbox = {
    url: `${origin}/v1`,
    origin,
    port,
    controlToken,
    apiKey,
    flavor,
    durable: Boolean(options.databaseUrl),
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    jobs: async () => (await jobsMatching(core, [])).reverse(),
    files: () => allFiles(core),
    stats: () => structuredClone(stats),
    completeJob: (id) => completeJob(core, id),
    failJob: (id, message, code) => failJob(core, id, message, code),
    setLossShape: (id, shape) => setLossShape(core, id, shape),
    timings: async () => (await view(core)).timings,
    setTimings: async (partial) => {
      // Stage deadlines follow from when each stage began, so jobs re-time themselves.
      const next = { ...(await view(core)).timings, ...parseTimings(partial) };
      await store.setTimings(next);
      return next;
    },
    reset: async () => {
      await store.clear(initialTimings);
      faults.clear();
      stats = emptyStats();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      faults.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
  started.sandbox = sandbox;
  return sandbox;
}
