import { AppError } from "../errors";
import { idSchema } from "./schema";

// Keyset cursor over (created_at desc, id desc): opaque to clients, stable
// while newer jobs are inserted.
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && typeof parsed[0] === "string") {
      const createdAt = new Date(parsed[0]);
      const id = idSchema.safeParse(parsed[1]);
      if (id.success && !Number.isNaN(createdAt.getTime())) return { createdAt, id: id.data };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("BAD_REQUEST", "cursor: not a cursor returned by this API.", { field: "cursor" });
}
