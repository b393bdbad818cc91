// What the product reports as it runs (a cancel's outcome, a provider call, a
// worker step, a live-feed subscriber) without knowing who listens. The
// Prometheus registry (server/telemetry/registry.ts) subscribes; services, the
// provider and the worker never import it, so the dependency points from
// telemetry down to here. The listeners live on globalThis: Next may load this
// module more than once in a process, and every copy must reach the same ones.

export type Observation =
  | { kind: "cancel"; outcome: string }
  | { kind: "provider_call"; route: string; outcome: string; seconds: number }
  | { kind: "worker_step"; outcome: "ok" | "error"; seconds: number }
  | { kind: "live_feed_subscriber"; change: 1 | -1 }
  /** A job was read at its provider this long after the read before; `need` is why it is polled next. */
  | { kind: "poll_staleness"; jobId: string; need: string; seconds: number };

type Listener = (observation: Observation) => void;

const globalForObservers = globalThis as unknown as { controlRoomObservers?: Set<Listener> };

function listeners(): Set<Listener> {
  globalForObservers.controlRoomObservers ??= new Set();
  return globalForObservers.controlRoomObservers;
}

/** Tells every listener; a listener that throws is logged, never the reporter's problem. */
export function report(observation: Observation): void {
  for (const listener of listeners()) {
    try {
      listener(observation);
    } catch (error) {
      console.error(`observations: a listener failed on ${observation.kind}`, error);
    }
  }
}

/** Subscribes to every observation from now on; returns the unsubscribe. */
export function onObservation(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** Times a provider call and reports it by route and outcome (the error's class name says which). */
export async function observeProviderCall<T>(route: string, call: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  let outcome = "ok";
  try {
    return await call();
  } catch (error) {
    outcome = providerOutcome(error);
    throw error;
  } finally {
    report({ kind: "provider_call", route, outcome, seconds: secondsSince(started) });
  }
}

function providerOutcome(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "ProviderNotFoundError") return "not_found";
  if (name === "ProviderRejectedError") return "rejected";
  if (name === "ProviderUnavailableError") return "unavailable";
  return "error";
}

/** Reports a cancel by how it ended: "cancelled", or the AppError code it threw, in lower case. */
export async function observeCancel<T>(cancel: Promise<T>): Promise<T> {
  try {
    const result = await cancel;
    report({ kind: "cancel", outcome: "cancelled" });
    return result;
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : "error";
    report({ kind: "cancel", outcome: code.toLowerCase() });
    throw error;
  }
}

/** Starts timing one worker step of a job; the function it returns reports how the step ended. */
export function startWorkerStep(): (outcome: "ok" | "error") => void {
  const started = process.hrtime.bigint();
  return (outcome) => report({ kind: "worker_step", outcome, seconds: secondsSince(started) });
}
