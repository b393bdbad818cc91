// Training tokens as OpenAI bills them, so a sandbox job's trained_tokens is
// what a real one would report: tiktoken's encoding for the model over each
// message (role, content, name), plus the chat framing OpenAI's fine-tuning
// data-preparation guide counts (3 per message, 1 per name, 3 per example).
// Loading an encoding takes seconds, so a sandbox warms the common one before
// it listens (warmUp) rather than inside some client's first create, where it
// could outlast the client's timeout.
import type { Tiktoken } from "js-tiktoken/lite";

type Message = { role?: unknown; content?: unknown; name?: unknown };

const encodings = new Map<string, Promise<Tiktoken>>();

function load(name: "o200k_base" | "cl100k_base"): Promise<Tiktoken> {
  let encoding = encodings.get(name);
  if (!encoding) {
    encoding = (async () => {
      const { Tiktoken } = await import("js-tiktoken/lite");
      const ranks = name === "o200k_base" ? await import("js-tiktoken/ranks/o200k_base") : await import("js-tiktoken/ranks/cl100k_base");
      return new Tiktoken(ranks.default);
    })();
    encodings.set(name, encoding);
  }
  return encoding;
}

/** gpt-4o, gpt-4.1 and newer use o200k_base; gpt-3.5-turbo and the first gpt-4s cl100k_base. */
function encodingName(model: string): "o200k_base" | "cl100k_base" {
  const base = model.startsWith("ft:") ? (model.split(":")[1] ?? "") : model;
  return /^gpt-(3\.5|4)(-|$)/.test(base) && !/^gpt-4(o|\.1)/.test(base) ? "cl100k_base" : "o200k_base";
}

/** Loads the encoding of today's fine-tunable models (once per process). */
export async function warmUp(): Promise<void> {
  await load("o200k_base");
}

/** One epoch's training tokens of a chat-format JSONL file (already validated). */
export async function trainingTokens(jsonl: string, model: string): Promise<number> {
  const encoding = await load(encodingName(model));
  let total = 0;
  for (const line of jsonl.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const example = JSON.parse(line) as { messages?: Message[] };
    total += 3;
    for (const message of example.messages ?? []) {
      total += 3;
      for (const value of [message.role, message.content, message.name])
        if (typeof value === "string") total += encoding.encode(value).length;
      if (typeof message.name === "string") total += 1;
    }
  }
  return total;
}
