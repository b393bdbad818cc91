// Small HTTP helpers: replies are values so the dispatcher can decide to send,
// delay or drop them (fault injection) after the handler has had its effect.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";

export type Reply = {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Raw bytes instead of JSON (file content download). */
  raw?: Buffer;
};

export type ErrorType = "invalid_request_error" | "server_error" | "requests";

/** An error in OpenAI's shape: {error:{message,type,param,code}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toReply(): Reply {
    return {
      status: this.status,
      body: { error: { message: this.message, type: this.type, param: this.param, code: this.code } },
    };
  }
}

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

export function errorReply(
  status: number,
  message: string,
  type: ErrorType = "invalid_request_error",
  param: string | null = null,
  code: string | null = null,
): Reply {
  return new ApiError(status, message, type, param, code).toReply();
}

/** OpenAI-style random id, e.g. "ftjob-Ab12…". */
export function newId(prefix: string, length = 24): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return `${prefix}-${out}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, "Request body too large.");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ApiError(400, "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return; // the client went away (e.g. timed out)
  const payload = reply.raw ?? Buffer.from(JSON.stringify(reply.body));
  res.writeHead(reply.status, {
    "content-type": reply.raw ? "application/octet-stream" : "application/json",
    "content-length": String(payload.length),
    "x-request-id": newId("req", 20).replace("req-", "req_"),
    ...reply.headers,
  });
  res.end(payload);
}
