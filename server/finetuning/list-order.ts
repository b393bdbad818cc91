import { Prisma } from "../generated/prisma/client";
import { sortKeyOf, type JobCursor } from "./cursor";
import type { JobSort, ListJobsInput } from "./schema";

// The list's WHERE and ORDER BY for each sort. Each order is (key, created_at, id)
// in one direction, matched by an index of the same columns (prisma/schema.prisma),
// so a page is one index range from the cursor on, however deep, and the cursor is
// a row comparison. Status ranks in the lifecycle's order (job_status_rank);
// progress and cost are the stored sort_progress / sort_cost, which a trigger
// keeps from the columns they are computed of (the migration
// *_job_list_sort_and_search says how).

const KEY_COLUMN = {
  created_at: null,
  status: Prisma.raw("job_status_rank(j.status)"),
  progress: Prisma.raw("j.sort_progress"),
  cost: Prisma.raw("j.sort_cost"),
} as const;

export function orderBy(sort: JobSort): Prisma.Sql {
  const dir = Prisma.raw(sort.startsWith("-") ? "DESC" : "ASC");
  const key = KEY_COLUMN[sortKeyOf(sort)];
  return key ? Prisma.sql`ORDER BY ${key} ${dir}, j.created_at ${dir}, j.id ${dir}` : Prisma.sql`ORDER BY j.created_at ${dir}, j.id ${dir}`;
}

function afterCursor(sort: JobSort, after: JobCursor): Prisma.Sql {
  const cmp = Prisma.raw(sort.startsWith("-") ? "<" : ">");
  const tail = Prisma.sql`${after.createdAt}::timestamptz, ${after.id}::uuid`;
  const keyName = sortKeyOf(sort);
  const key = KEY_COLUMN[keyName];
  if (!key) return Prisma.sql`(j.created_at, j.id) ${cmp} (${tail})`;
  const value = keyName === "status" ? Prisma.sql`job_status_rank(${after.key}::"JobStatus")` : Prisma.sql`${after.key}::float8`;
  return Prisma.sql`(${key}, j.created_at, j.id) ${cmp} (${value}, ${tail})`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The alias by any part of it (a trigram index serves ILIKE), or a whole job id or provider job id.
function matches(q: string): Prisma.Sql {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const byId = UUID.test(q) ? Prisma.sql` OR j.id = ${q.toLowerCase()}::uuid` : Prisma.empty;
  return Prisma.sql`(j.alias ILIKE ${pattern} OR j.finetuning_job_id = ${q}${byId})`;
}

export function listConditions(input: ListJobsInput, after: JobCursor | null): Prisma.Sql {
  const conditions = [Prisma.sql`j.deleted_at IS NULL`];
  if (input.db_connection_id) conditions.push(Prisma.sql`j.db_connection_id = ${input.db_connection_id}::uuid`);
  if (input.status) conditions.push(Prisma.sql`j.status = ${input.status}::"JobStatus"`);
  if (input.stopped_by_guardrail !== undefined) {
    conditions.push(
      input.stopped_by_guardrail ? Prisma.sql`j.guardrail_stopped_at IS NOT NULL` : Prisma.sql`j.guardrail_stopped_at IS NULL`,
    );
  }
  if (input.q) conditions.push(matches(input.q));
  if (input.parent_finetuning_id) conditions.push(Prisma.sql`j.parent_job_id = ${input.parent_finetuning_id}::uuid`);
  if (input.sweep_id) conditions.push(Prisma.sql`j.sweep_id = ${input.sweep_id}::uuid`);
  if (after) conditions.push(afterCursor(input.sort, after));
  return Prisma.join(conditions, " AND ");
}
