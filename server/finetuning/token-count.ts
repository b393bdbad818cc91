import { Tiktoken } from "js-tiktoken/lite";
import cl100k_base from "js-tiktoken/ranks/cl100k_base";
import o200k_base from "js-tiktoken/ranks/o200k_base";

// Counts a chat-format training file's tokens the way OpenAI's cookbook
// ("Data preparation and analysis for chat model fine-tuning") does: each
// message's content plus 3 tokens of framing, and 3 to prime the reply.
// The ranks ship inside js-tiktoken, so nothing is downloaded.

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const TOKENS_PER_EXAMPLE = 3;

let o200k: Tiktoken | undefined;
let cl100k: Tiktoken | undefined;

/** gpt-4o and gpt-4.1 use o200k_base; gpt-3.5-turbo and gpt-4 (the older ones) cl100k_base. */
export function encodingFor(model: string): Tiktoken {
  const base = model.startsWith("ft:") ? (model.split(":")[1] ?? "") : model;
  if (/^gpt-(3\.5|4)(-|$)/.test(base) && !/^gpt-4(o|\.1)/.test(base)) return (cl100k ??= new Tiktoken(cl100k_base));
  return (o200k ??= new Tiktoken(o200k_base));
}

type Message = { role?: unknown; content?: unknown; name?: unknown };

/** Tokens of one chat example ({ messages: [...] }). */
export function countExampleTokens(example: { messages?: Message[] }, encoding: Tiktoken): number {
  let tokens = TOKENS_PER_EXAMPLE;
  for (const message of example.messages ?? []) {
    tokens += TOKENS_PER_MESSAGE;
    for (const value of [message.role, message.content, message.name]) {
      if (typeof value === "string") tokens += encoding.encode(value).length;
    }
    if (typeof message.name === "string") tokens += TOKENS_PER_NAME;
  }
  return tokens;
}

/** Tokens of a JSONL training file: one epoch's worth of billed training tokens. */
export function countTrainingFileTokens(jsonl: string, model: string): number {
  const encoding = encodingFor(model);
  let total = 0;
  for (const line of jsonl.split("\n")) {
    if (line.trim() === "") continue;
    total += countExampleTokens(JSON.parse(line) as { messages?: Message[] }, encoding);
  }
  return total;
}
