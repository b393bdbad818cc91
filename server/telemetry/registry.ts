import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

// The process's Prometheus metrics (prom-client). One registry per process,
// kept on globalThis because Next may load this module more than once.
// Counters and histograms are updated where things happen; the gauges that
// describe the database (jobs by status, queue depth) are read on each
// scrape (./collectors.ts).

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by route, method and status",
      labelNames: ["route", "method", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency until the response finished, by route, method and status",
      labelNames: ["route", "method", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    workerSteps: new Histogram({
      name: "worker_step_duration_seconds",
      help: "Time one worker step of a job took, by outcome (ok, error)",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    providerCalls: new Counter({
      name: "provider_requests_total",
      help: "Calls to the fine-tuning provider, by route and outcome (ok, not_found, rejected, unavailable, error)",
      labelNames: ["route", "outcome"],
      registers,
    }),
    providerDuration: new Histogram({
      name: "provider_request_duration_seconds",
      help: "Provider call latency, retries included, by route",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
    cancels: new Counter({
      name: "finetuning_cancels_total",
      help: "Cancel requests, by outcome (cancelled, conflict, not_found, bad_gateway, …)",
      labelNames: ["outcome"],
      registers,
    }),
    liveFeedSubscribers: new Gauge({
      name: "live_feed_subscribers",
      help: "Open live-feed subscriptions (finetuning.onChange) in this process",
      registers,
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;
const globalForMetrics = globalThis as unknown as { controlRoomMetrics?: Metrics };

export function metrics(): Metrics {
  globalForMetrics.controlRoomMetrics ??= createMetrics();
  return globalForMetrics.controlRoomMetrics;
}

export const liveFeedSubscribers = () => metrics().liveFeedSubscribers;

/** Counts a provider call by route and outcome (the error's class name says which) and times it. */
export async function observeProviderCall<T>(route: string, call: () => Promise<T>): Promise<T> {
  const { providerCalls, providerDuration } = metrics();
  const end = providerDuration.startTimer({ route });
  try {
    const result = await call();
    providerCalls.inc({ route, outcome: "ok" });
    return result;
  } catch (error) {
    providerCalls.inc({ route, outcome: providerOutcome(error) });
    throw error;
  } finally {
    end();
  }
}

function providerOutcome(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "ProviderNotFoundError") return "not_found";
  if (name === "ProviderRejectedError") return "rejected";
  if (name === "ProviderUnavailableError") return "unavailable";
  return "error";
}

/** Counts a cancel by how it ended: "cancelled", or the AppError code it threw, in lower case. */
export async function observeCancel<T>(cancel: Promise<T>): Promise<T> {
  try {
    const result = await cancel;
    metrics().cancels.inc({ outcome: "cancelled" });
    return result;
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : "error";
    metrics().cancels.inc({ outcome: code.toLowerCase() });
    throw error;
  }
}
