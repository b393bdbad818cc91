import { createHash } from "node:crypto";
import { Tiktoken } from "js-tiktoken/lite";
import { LRUCache } from "lru-cache";
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

/** Tokens of one chat example ({ messages: [...] }); `lengthOf` counts one text's tokens. */
export function countExampleTokens(
  example: { messages?: Message[] },
  encoding: Tiktoken,
  lengthOf = (text: string) => encoding.encode(text).length,
): number {
  let tokens = TOKENS_PER_EXAMPLE;
  for (const message of example.messages ?? []) {
    tokens += TOKENS_PER_MESSAGE;
    for (const value of [message.role, message.content, message.name]) {
      if (typeof value === "string") tokens += lengthOf(value);
    }
    if (typeof message.name === "string") tokens += TOKENS_PER_NAME;
  }
  return tokens;
}

// Jobs on the same golden records build the same file: its count is kept by
// the file's hash and encoding, for a burst of jobs on one connection.
const fileCounts = new LRUCache<string, number>({ max: 1_000 });

/** Tokens of a JSONL training file: one epoch's worth of billed training tokens. */
export function countTrainingFileTokens(jsonl: string, model: string): number {
  const encoding = encodingFor(model);
  const key = `${encoding === cl100k ? "cl100k" : "o200k"}:${createHash("sha256").update(jsonl).digest("hex")}`;
  const known = fileCounts.get(key);
  if (known !== undefined) return known;
  // Every example repeats the schema as its system prompt: each distinct text is encoded once.
  const lengths = new Map<string, number>();
  const lengthOf = (text: string) => {
    let length = lengths.get(text);
    if (length === undefined) lengths.set(text, (length = encoding.encode(text).length));
    return length;
  };
  let total = 0;
  for (const line of jsonl.split("\n")) {
    if (line.trim() === "") continue;
    total += countExampleTokens(JSON.parse(line) as { messages?: Message[] }, encoding, lengthOf);
  }
  fileCounts.set(key, total);
  return total;
}
