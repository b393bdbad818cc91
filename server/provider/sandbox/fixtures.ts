// Helpers for tests that drive the sandbox: valid/invalid training data and polling.

/** A chat-format training file with `count` NL→SQL examples. */
export function trainingJsonl(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    lines.push(
      JSON.stringify({
        messages: [
          { role: "system", content: "Translate the question to SQL for the schema: CREATE TABLE t (id int);" },
          { role: "user", content: `How many rows have id ${i}?` },
          { role: "assistant", content: `SELECT count(*) FROM t WHERE id = ${i};` },
        ],
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Polls `read` until `done` holds for its value; throws after `timeoutMs`. */
export async function waitFor<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 5_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
