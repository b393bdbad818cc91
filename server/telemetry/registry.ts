import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { onObservation, type Observation } from "../observations";

// The process's Prometheus metrics (prom-client). One registry per process,
// kept on globalThis because Next may load this module more than once.
// HTTP requests are counted by ./http.ts; everything else the product reports
// through server/observations.ts, which this registry listens to from the
// moment it is made (the launchers make it at start). The gauges that
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
    pollStaleness: new Histogram({
      name: "job_poll_staleness_seconds",
      help: "How old the control room's view of a job was when the worker read it at its provider again, by why it is polled (confirming_cancel, guardrail_near, watched, starting, changing, quiet)",
      labelNames: ["need"],
      buckets: [1, 2, 5, 10, 15, 30, 45, 60, 90, 120, 300],
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
  if (!globalForMetrics.controlRoomMetrics) {
    const made = createMetrics();
    globalForMetrics.controlRoomMetrics = made;
    onObservation((observation) => record(made, observation));
  }
  return globalForMetrics.controlRoomMetrics;
}

function record(m: Metrics, observation: Observation): void {
  switch (observation.kind) {
    case "cancel":
      m.cancels.inc({ outcome: observation.outcome });
      return;
    case "provider_call":
      m.providerCalls.inc({ route: observation.route, outcome: observation.outcome });
      m.providerDuration.observe({ route: observation.route }, observation.seconds);
      return;
    case "worker_step":
      m.workerSteps.observe({ outcome: observation.outcome }, observation.seconds);
      return;
    case "live_feed_subscriber":
      m.liveFeedSubscribers.inc(observation.change);
      return;
    case "poll_staleness":
      m.pollStaleness.observe({ need: observation.need }, observation.seconds);
      return;
  }
}
