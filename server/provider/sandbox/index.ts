// Local OpenAI-compatible fine-tuning sandbox: a real loopback HTTP server the
// official `openai` SDK talks to, with fault injection for tests.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestListener } from "./dispatch";
import { FaultBook } from "./faults";
import { sandboxFile, scheduleFile } from "./files";
import { completeJob, failJob, jobJson, scheduleJob } from "./jobs";
import { SandboxState, TERMINAL } from "./state";
import { parseTimings } from "./timings";
import { DEFAULT_TIMINGS, type Sandbox, type SandboxOptions, type SandboxStats } from "./types";

export type {
  Fault,
  FaultRule,
  Sandbox,
  SandboxFile,
  SandboxJob,
  SandboxOptions,
  SandboxStats,
  SandboxTimings,
} from "./types";
export { DEFAULT_TIMINGS } from "./types";

function emptyStats(): SandboxStats {
  return { total: 0, byRoute: {}, faults: {} };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  const state = new SandboxState({ ...DEFAULT_TIMINGS, ...parseTimings(options.timings ?? {}) });
  const faults = new FaultBook();
  let stats = emptyStats();
  let closed = false;
  // Filled once the server listens; the request listener reads it lazily.
  const started: { sandbox?: Sandbox } = {};

  const server = createServer(
    createRequestListener({
      state,
      faults,
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

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const sandbox: Sandbox = {
    url: `${origin}/v1`,
    origin,
    port,
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    jobs: () => [...state.jobs.values()].sort((a, b) => a.seq - b.seq).map(jobJson),
    files: () => [...state.files.values()].sort((a, b) => a.seq - b.seq).map(sandboxFile),
    stats: () => structuredClone(stats),
    completeJob: (id) => jobJson(completeJob(state, id)),
    failJob: (id, message, code) => jobJson(failJob(state, id, message, code)),
    timings: () => ({ ...state.timings }),
    setTimings: (partial) => {
      state.timings = { ...state.timings, ...parseTimings(partial) };
      // Stage deadlines are recomputed from when each stage began.
      for (const job of state.jobs.values()) if (!TERMINAL.has(job.status)) scheduleJob(state, job);
      for (const file of state.files.values()) scheduleFile(state, file);
      return { ...state.timings };
    },
    reset: () => {
      state.clear();
      faults.clear();
      stats = emptyStats();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      state.clear();
      faults.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  started.sandbox = sandbox;
  return sandbox;
}
