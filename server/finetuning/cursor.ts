import { AppError } from "../errors";
import { DEFAULT_JOB_SORT, idSchema, JOB_STATUSES, type JobSort, type JobStatus } from "./schema";

// Keyset cursors over (sort key, created_at, id): opaque to clients, stable
// while jobs are inserted. The default order's cursor stays [created_at, id]
// (cursors handed out before other orders existed still work); every other
// order's names itself, so a cursor is only ever read under the order that made it.

/** Where a page ended: the sort key's value (none for created_at), created_at and id. */
export type JobCursor = { createdAt: Date; id: string; key?: JobStatus | number };

export function encodeCursor(row: JobCursor, sort: JobSort = DEFAULT_JOB_SORT): string {
  const at = row.createdAt.toISOString();
  const parts = sortKeyOf(sort) === "created_at" ? [at, row.id] : [sort, row.key, at, row.id];
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

export function sortKeyOf(sort: JobSort): "created_at" | "status" | "progress" | "cost" {
  return sort.startsWith("-") ? (sort.slice(1) as ReturnType<typeof sortKeyOf>) : (sort as ReturnType<typeof sortKeyOf>);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string, sort: JobSort = DEFAULT_JOB_SORT): JobCursor {
  const parsed = parse(cursor);
  const key = sortKeyOf(sort);
  if (Array.isArray(parsed)) {
    if (key === "created_at" && parsed.length === 2) {
      const position = instantAndId(parsed[0], parsed[1]);
      if (position) return position;
    }
    if (key !== "created_at" && parsed.length === 4 && parsed[0] === sort && validKey(key, parsed[1])) {
      const position = instantAndId(parsed[2], parsed[3]);
      if (position) return { ...position, key: parsed[1] };
    }
  }
  throw new AppError("BAD_REQUEST", "cursor: not a cursor returned by this API for this sort.", { field: "cursor" });
}

function parse(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

function validKey(key: "status" | "progress" | "cost", value: unknown): value is JobStatus | number {
  if (key === "status") return typeof value === "string" && (JOB_STATUSES as readonly string[]).includes(value);
  return typeof value === "number" && Number.isFinite(value);
}

// Only the exact form encodeCursor writes: JavaScript accepts dates
// (year -271821, February 30th) that Postgres refuses with a 500.
function instantAndId(at: unknown, id: unknown): { createdAt: Date; id: string } | null {
  if (typeof at !== "string" || !ISO_INSTANT.test(at)) return null;
  const createdAt = new Date(at);
  const parsedId = idSchema.safeParse(id);
  if (!parsedId.success || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return null;
  return { createdAt, id: parsedId.data };
}
