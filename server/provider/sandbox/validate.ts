// Checks a fine-tuning training file the way OpenAI's file validation does
// (chat format), so bad data fails at the provider, not later in our product.

export const MIN_EXAMPLES = 10;

export type TrainingFileCheck = { ok: true; examples: number; tokens: number } | { ok: false; message: string };

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns an error message for one example, or null when it is usable. */
function checkExample(value: unknown, line: number): string | null {
  if (!isRecord(value)) return `Invalid file format. Line ${line}: expected a JSON object.`;
  const messages = value["messages"];
  if (!Array.isArray(messages) || messages.length === 0) {
    return `Invalid file format. Line ${line}, key "messages": expected a non-empty array of messages.`;
  }
  const roles = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) {
      return `Invalid file format. Line ${line}, message ${index + 1}: expected an object.`;
    }
    const role = message["role"];
    if (typeof role !== "string" || !ROLES.has(role)) {
      return `Invalid file format. Line ${line}, message ${index + 1}: unrecognized role ${JSON.stringify(role ?? null)}.`;
    }
    const content = message["content"];
    const hasToolCalls = Array.isArray(message["tool_calls"]) || isRecord(message["function_call"]);
    const contentOk = typeof content === "string" || Array.isArray(content) || (content == null && hasToolCalls);
    if (!contentOk) {
      return `Invalid file format. Line ${line}, message ${index + 1}: missing "content".`;
    }
    roles.add(role);
  }
  if (!roles.has("user") || !roles.has("assistant")) {
    return `Invalid file format. Line ${line}: each example needs at least one "user" and one "assistant" message.`;
  }
  return null;
}

/**
 * Checks a fine-tuning file at upload, whatever it will be used for: chat
 * format, at least one example. The minimum a job trains on is checked when a
 * job is created on it (`tooFewToTrain`): a validation file may be smaller.
 */
export function checkFineTuneFile(text: string): TrainingFileCheck {
  let examples = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === "") continue; // trailing newline / blank lines are tolerated by OpenAI
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { ok: false, message: `Invalid file format. Line ${index + 1} is not valid JSON.` };
    }
    const problem = checkExample(parsed, index + 1);
    if (problem) return { ok: false, message: problem };
    examples += 1;
  }
  if (examples === 0) return { ok: false, message: "The file has 0 example(s), but must have at least 1 example" };
  // A rough size for the file check; jobs count real tokens for their model (tokens.ts).
  return { ok: true, examples, tokens: Math.max(1, Math.ceil(text.length / 4)) };
}

/** Why a file of `examples` examples cannot be trained on, or null when it can. */
export function tooFewToTrain(examples: number): string | null {
  return examples < MIN_EXAMPLES ? `Training file has ${examples} example(s), but must have at least ${MIN_EXAMPLES} examples` : null;
}
