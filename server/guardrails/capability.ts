import { AppError } from "../errors";
import { cannotReason, capabilitiesOf } from "../provider/capabilities";
import { GUARDRAIL_RULES, type Guardrails } from "./schema";

/**
 * A guardrail may only do what the job's provider can: one whose action is
 * `pause` is refused when it is set (not when it fires) for a provider that
 * cannot pause, with a 409 naming the provider.
 */
export function checkGuardrailsFor(providerName: string, guardrails: Guardrails, where = "guardrails"): void {
  if (capabilitiesOf(providerName).pauseResume) return;
  const pausing = GUARDRAIL_RULES.filter((rule) => guardrails[rule]?.action === "pause");
  if (pausing.length === 0) return;
  throw new AppError(
    "CONFLICT",
    `${where}: ${pausing.join(", ")} would pause the job, but ${cannotReason(providerName, "pause fine-tuning jobs")} Use "cancel" or "notify".`,
    { field: `${where}.${pausing[0]}.action` },
  );
}
