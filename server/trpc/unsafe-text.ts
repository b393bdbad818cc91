export type UnsafeText = { field: string; problem: string };

// NUL, or a UTF-16 surrogate without its pair.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is refused
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(text: string): string | null {
  const match = UNSAFE.exec(text);
  if (!match) return null;
  return match[0] === "\u0000" ? "must not contain the NUL character (\\u0000)" : "must not contain an unpaired UTF-16 surrogate";
}

/** The first string (value or object key) in `value` with NUL or a lone surrogate, with its path; null when there is none. */
export function findUnsafeText(value: unknown, path: string[] = [], depth = 0): UnsafeText | null {
  if (typeof value === "string") {
    const problem = problemOf(value);
    return problem ? { field: path.join("."), problem } : null;
  }
  if (value === null || typeof value !== "object" || depth > 64) return null;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = Array.isArray(value) ? null : problemOf(key);
    if (keyProblem) {
      // eslint-disable-next-line no-control-regex -- the offending characters are not echoed back
      return { field: [...path, key.replace(/[\u0000\uD800-\uDFFF]/g, "?")].join("."), problem: `has a key that ${keyProblem}` };
    }
    const found = findUnsafeText(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}
