// Validates POST /v1/fine_tuning/jobs bodies with OpenAI's rules and messages.
import { ApiError } from "./http";

export type HpValue = number | "auto";
export type Hyperparameters = { n_epochs: HpValue; batch_size: HpValue; learning_rate_multiplier: HpValue };

export type JobSpec = {
  model: string;
  trainingFile: string;
  validationFile: string | null;
  suffix: string | null;
  metadata: Record<string, string> | null;
  hyperparameters: Hyperparameters;
  seed: number;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bad(message: string, param: string): ApiError {
  return new ApiError(400, message, "invalid_request_error", param, "invalid_value");
}

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw bad(`Invalid type for '${key}': expected a string.`, key);
  return value;
}

/** OpenAI metadata: ≤16 keys, keys ≤64 chars, string values ≤512 chars. */
export function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw bad("Invalid type for 'metadata': expected an object.", "metadata");
  const entries = Object.entries(value);
  if (entries.length > 16) throw bad("Invalid 'metadata': too many keys (maximum 16).", "metadata");
  const out: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key.length > 64) throw bad(`Invalid 'metadata': key '${key.slice(0, 20)}…' is longer than 64 characters.`, "metadata");
    if (typeof item !== "string") throw bad(`Invalid type for 'metadata.${key}': expected a string.`, `metadata.${key}`);
    if (item.length > 512) throw bad(`Invalid 'metadata.${key}': string too long (maximum 512 characters).`, `metadata.${key}`);
    out[key] = item;
  }
  return out;
}

function hpValue(value: unknown, param: string, integer: boolean, max: number): HpValue {
  if (value === undefined || value === null || value === "auto") return "auto";
  const ok = typeof value === "number" && Number.isFinite(value) && value > 0 && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? `an integer between 1 and ${max}` : `a number greater than 0 and at most ${max}`;
    throw bad(`Invalid value for '${param}': expected 'auto' or ${kind}.`, param);
  }
  return value;
}

function parseHyperparameters(value: unknown, param: string): Hyperparameters {
  if (value === undefined || value === null) value = {};
  if (!isRecord(value)) throw bad(`Invalid type for '${param}': expected an object.`, param);
  return {
    n_epochs: hpValue(value["n_epochs"], `${param}.n_epochs`, true, 50),
    batch_size: hpValue(value["batch_size"], `${param}.batch_size`, true, 256),
    learning_rate_multiplier: hpValue(value["learning_rate_multiplier"], `${param}.learning_rate_multiplier`, false, 10),
  };
}

/** Hyperparameters from `method.supervised` or the legacy top-level field. */
function pickHyperparameters(body: Record<string, unknown>): Hyperparameters {
  const method = body["method"];
  if (method === undefined || method === null) return parseHyperparameters(body["hyperparameters"], "hyperparameters");
  if (!isRecord(method)) throw bad("Invalid type for 'method': expected an object.", "method");
  if (method["type"] !== "supervised") {
    // DPO/RL need other training-file formats that the sandbox does not model.
    throw bad(`Unsupported value for 'method.type': the sandbox only supports 'supervised'.`, "method.type");
  }
  if (body["hyperparameters"] !== undefined && body["hyperparameters"] !== null) {
    throw bad("Specify hyperparameters in 'method', not in the deprecated 'hyperparameters' field.", "hyperparameters");
  }
  const supervised = method["supervised"] ?? {};
  if (!isRecord(supervised)) throw bad("Invalid type for 'method.supervised': expected an object.", "method.supervised");
  return parseHyperparameters(supervised["hyperparameters"], "method.supervised.hyperparameters");
}

export function parseJobSpec(body: Record<string, unknown>): JobSpec {
  const model = body["model"];
  if (typeof model !== "string" || model.trim() === "") throw bad("Missing required parameter: 'model'.", "model");
  const trainingFile = body["training_file"];
  if (typeof trainingFile !== "string" || trainingFile === "") {
    throw bad("Missing required parameter: 'training_file'.", "training_file");
  }
  const suffix = optionalString(body, "suffix");
  // ':' would break the ft:<model>:<org>:<suffix>:<id> model name.
  if (suffix !== null && (suffix.length > 64 || suffix.includes(":"))) {
    throw bad("Invalid 'suffix': up to 64 characters, without ':'.", "suffix");
  }
  const seed = body["seed"];
  if (seed !== undefined && seed !== null && !(typeof seed === "number" && Number.isInteger(seed))) {
    throw bad("Invalid type for 'seed': expected an integer.", "seed");
  }
  return {
    model,
    trainingFile,
    validationFile: optionalString(body, "validation_file"),
    suffix: suffix === "" ? null : suffix,
    metadata: parseMetadata(body["metadata"]),
    hyperparameters: pickHyperparameters(body),
    seed: typeof seed === "number" ? seed : Math.floor(Math.random() * 2 ** 31),
  };
}
