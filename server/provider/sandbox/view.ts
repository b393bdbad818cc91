// The sandbox clock and timings as one read of the shared config.
import type { Clock, SandboxStore } from "./state";
import { DEFAULT_TIMINGS, type SandboxTimings } from "./types";

export type Core = { store: SandboxStore };

export type View = { clock: Clock; timings: SandboxTimings };

export async function view(core: Core): Promise<View> {
  const config = await core.store.config();
  return { clock: { nowMs: Date.now() - config.offsetMs, offsetMs: config.offsetMs }, timings: { ...DEFAULT_TIMINGS, ...config.timings } };
}
