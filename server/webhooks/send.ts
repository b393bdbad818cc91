import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { RefusedTargetError, resolveWebhookTarget } from "./address-guard";

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How much of a receiver's answer is read and kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 2_048;

export type AttemptResult = {
  ok: boolean;
  // Worth trying again later: timeouts, connection errors, 5xx and 429.
  retryable: boolean;
  status: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
  retryAfterMs: number | null;
};

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function classify(status: number): { ok: boolean; retryable: boolean } {
  if (status >= 200 && status < 300) return { ok: true, retryable: false };
  return { ok: false, retryable: status === 429 || status >= 500 };
}

/**
 * One POST to a receiver: the address checked on this attempt is the one
 * connected to, redirects are not followed (a 3xx is a failure), the whole
 * exchange has WEBHOOK_TIMEOUT_MS, and at most RESPONSE_EXCERPT_BYTES of the
 * answer are read.
 */
export async function postWebhook(args: {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivate: boolean;
  timeoutMs?: number;
}): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failure = (error: string, retryable: boolean): AttemptResult => ({
    ok: false,
    retryable,
    status: null,
    latencyMs: elapsed(),
    excerpt: null,
    error,
    retryAfterMs: null,
  });

  let target;
  try {
    target = await resolveWebhookTarget(args.url, { allowPrivate: args.allowPrivate });
  } catch (error) {
    if (error instanceof RefusedTargetError) return failure(`refused: ${error.message}`, false);
    return failure(`DNS: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  const { address, family } = target;
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = target.url.protocol === "https:" ? https : http;

  return new Promise<AttemptResult>((resolve) => {
    const request = client.request(target.url, {
      method: "POST",
      lookup: pinned,
      headers: {
        "content-type": "application/json",
        "user-agent": "finetuning-control-room-webhooks/1",
        ...args.headers,
        "content-length": Buffer.byteLength(args.body),
      },
      signal: AbortSignal.timeout(args.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
    });
    request.on("error", (error) => {
      const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
      resolve(failure(timedOut ? `timed out after ${args.timeoutMs ?? WEBHOOK_TIMEOUT_MS} ms` : `connection: ${error.message}`, true));
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8");
        const { ok, retryable } = classify(status);
        const retryAfter: string | undefined = response.headers["retry-after"];
        resolve({
          ok,
          retryable,
          status,
          latencyMs: elapsed(),
          excerpt,
          error: ok ? null : status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
          retryAfterMs: parseRetryAfter(retryAfter),
        });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough read: stop the download, keep what we have.
        if (size >= RESPONSE_EXCERPT_BYTES) {
          response.destroy();
          finish();
        }
      });
      response.on("end", finish);
      // Cut off (timeout, reset): what was read is what we have; the status stands.
      response.on("error", finish);
      response.on("close", finish);
    });
    request.end(args.body);
  });
}
