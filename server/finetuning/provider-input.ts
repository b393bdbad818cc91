import { AppError } from "../errors";
import { capabilitiesOf } from "../provider/capabilities";
import type { ModelParameters } from "./schema";

/**
 * A create's model and training parameters, checked against what its provider
 * takes (PROVIDER_CAPABILITIES): a model the provider does not fine-tune, or a
 * parameter it has no use for, is a 400 naming the field.
 */
export function checkModelFor(providerName: string, modelName: string, parameters: ModelParameters | null | undefined): void {
  const capabilities = capabilitiesOf(providerName);
  if (!capabilities.acceptsUnlistedModels && !capabilities.models.includes(modelName)) {
    throw new AppError(
      "BAD_REQUEST",
      `base_llm.model_name: ${capabilities.label} does not fine-tune "${modelName}"; one of ${capabilities.models.join(", ")}.`,
      { field: "base_llm.model_name" },
    );
  }
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (value === undefined) continue;
    if (!(capabilities.parameters as readonly string[]).includes(name)) {
      throw new AppError(
        "BAD_REQUEST",
        `base_llm.model_parameters.${name}: ${capabilities.label} takes ${capabilities.parameters.join(", ")}.`,
        { field: `base_llm.model_parameters.${name}` },
      );
    }
  }
}
