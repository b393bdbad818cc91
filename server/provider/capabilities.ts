// What each provider can do, declared once. A difference between providers is
// a row here, read by the services (pause, guardrails, cost), the worker and
// the UI; nowhere else asks "is this Together?". This module is plain data
// (no SDK import), so the browser bundle can read it too.

export const PROVIDER_NAMES = ["openai", "together"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type ProviderCapabilities = {
  /** How people and messages name it. */
  label: string;
  /** Pause and resume a running job. */
  pauseResume: boolean;
  /** Cancel is accepted first and confirmed later (the job sits in `cancelling` meanwhile). */
  asyncCancel: boolean;
  checkpoints: boolean;
  /** Per-step training metrics. */
  metrics: boolean;
  /** A checkpoint can start a new job. */
  continueFromCheckpoint: boolean;
  /** The provider reports the job's price itself; otherwise it is computed from our price table. */
  reportsPrice: boolean;
  /** The models the provider fine-tunes; the first is the default. */
  models: readonly [string, ...string[]];
  /** Whether a model outside `models` may be asked for (OpenAI: dated snapshots and earlier fine-tunes; the provider decides). */
  acceptsUnlistedModels: boolean;
  /** Training parameters a job may set at this provider (others are refused at create). */
  parameters: readonly ModelParameterName[];
};

export type ModelParameterName = "n_epochs" | "batch_size" | "learning_rate_multiplier" | "learning_rate" | "lora";

export const PROVIDER_CAPABILITIES = {
  openai: {
    label: "OpenAI",
    pauseResume: true,
    asyncCancel: false,
    checkpoints: true,
    metrics: true,
    continueFromCheckpoint: true,
    reportsPrice: false,
    models: [
      "gpt-4o-mini-2024-07-18",
      "gpt-4o-2024-08-06",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-2025-04-14",
      "gpt-4.1-nano-2025-04-14",
      "gpt-3.5-turbo-0125",
    ],
    acceptsUnlistedModels: true,
    parameters: ["n_epochs", "batch_size", "learning_rate_multiplier"],
  },
  together: {
    label: "Together AI",
    pauseResume: false,
    asyncCancel: true,
    checkpoints: true,
    metrics: true,
    continueFromCheckpoint: true,
    reportsPrice: true,
    // What the Together sandbox lists at /fine-tunes/models/supported.
    models: [
      "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
      "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference",
      "Qwen/Qwen2.5-7B-Instruct",
      "mistralai/Mistral-7B-Instruct-v0.2",
    ],
    acceptsUnlistedModels: false,
    parameters: ["n_epochs", "batch_size", "learning_rate", "lora"],
  },
} as const satisfies Record<ProviderName, ProviderCapabilities>;

export function capabilitiesOf(name: string): ProviderCapabilities {
  return isProviderName(name) ? PROVIDER_CAPABILITIES[name] : PROVIDER_CAPABILITIES.openai;
}

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** Why a job at this provider cannot do `what`, for a 409 and the UI's tooltip. */
export function cannotReason(name: string, what: string): string {
  return `${capabilitiesOf(name).label} cannot ${what}.`;
}
