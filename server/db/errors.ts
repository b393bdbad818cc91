import { AppError } from "../errors";

// Whether an error means "the database cannot be reached right now" (down,
// restarting, connection dropped, every connection busy) rather than a bug: callers then answer a
// retryable 503 instead of a 500.

const UNREACHABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
]);
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Can't reach database|Unable to start a transaction in the given time/i;

type Node = { kind?: unknown; code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };

function unreachable(node: Node): boolean {
  if (typeof node.kind === "string" && UNREACHABLE_KINDS.has(node.kind)) return true;
  if (node.kind === "postgres" && typeof node.code === "string" && /^(08|57P|53300)/.test(node.code)) return true;
  if (typeof node.code === "string" && UNREACHABLE_PRISMA_CODES.has(node.code)) return true;
  return typeof node.message === "string" && UNREACHABLE_MESSAGE.test(node.message);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const queue: unknown[] = [error];
  for (let depth = 0; queue.length > 0 && depth < 12; depth++) {
    const node = queue.shift();
    if (node === null || typeof node !== "object") continue;
    const n = node as Node;
    if (unreachable(n)) return true;
    queue.push(n.cause, n.meta?.driverAdapterError);
  }
  return false;
}

/** The retryable 503 every transport answers while the database cannot be reached. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError("SERVICE_UNAVAILABLE", "The database is unavailable right now; retry shortly.", { retryAfterSeconds: 1, cause });
}
