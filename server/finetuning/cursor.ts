import { AppError } from "../errors";
import { idSchema } from "./schema";

// Keyset cursor over (created_at desc, id desc): opaque to clients, stable
// while newer jobs are inserted.
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // Only the exact form encodeCursor writes: JavaScript accepts dates
    // (year -271821, February 30th) that Postgres refuses with a 500.
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && ISO_INSTANT.test(parsed[0])) {
      const createdAt = new Date(parsed[0]);
      const id = idSchema.safeParse(parsed[1]);
      if (id.success && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === parsed[0]) return { createdAt, id: id.data };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("BAD_REQUEST", "cursor: not a cursor returned by this API.", { field: "cursor" });
}
