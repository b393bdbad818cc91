import "server-only";
import type { Db } from "../db";
import { planOf } from "../worker/poll-plan";
import { hurryAdvance } from "../worker/queue";
import { AppError } from "../errors";
import { actorLabel, type Actor } from "../auth/actor";
import { announceJobChange } from "../finetuning/announce";
import { findJobRow, JOB_SELECT } from "../finetuning/job-row";
import { notFound } from "../finetuning/errors";
import { ACTIVE_STATUSES, isActive } from "../finetuning/schema";
import { GUARDRAIL_RULES, readGuardrails, readTrips, type Guardrails, type JobGuardrails } from "./schema";
import { connectionNotFound } from "../connections/errors";
import { checkGuardrailsFor } from "./capability";

const ended = (job: { id: string; status: string }) =>
  new AppError("CONFLICT", `Fine-tuning job ${job.id} has already ${job.status}; only an active job's guardrails can be changed.`);

export async function getJobGuardrails({ db, id }: { db: Db; id: string }): Promise<JobGuardrails> {
  const row = await db.finetuningJob.findUnique({ where: { id }, select: { guardrails: true, guardrailTrips: true } });
  if (!row) throw notFound(id);
  return { finetuning_id: id, guardrails: readGuardrails(row.guardrails), trips: readTrips(row.guardrailTrips) };
}

/**
 * Replaces an active job's guardrails. A rule whose setting changed may fire
 * again (its trip is forgotten); unchanged rules keep theirs, so saving the
 * same guardrails twice never re-fires one.
 */
export async function setJobGuardrails(args: { db: Db; actor: Actor; id: string; guardrails: Guardrails }): Promise<JobGuardrails> {
  const { db, actor, id, guardrails } = args;
  const job = await findJobRow(db, id);
  if (!job) throw notFound(id);
  if (!isActive(job.status)) throw ended(job);
  checkGuardrailsFor(job.modelProvider, guardrails);
  const before = readGuardrails(job.guardrails);
  const changed = GUARDRAIL_RULES.filter((rule) => JSON.stringify(before[rule] ?? null) !== JSON.stringify(guardrails[rule] ?? null));
  const updated = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE finetuning_jobs SET guardrails = ${JSON.stringify(guardrails)}::jsonb,
        guardrail_trips = CASE WHEN guardrail_trips IS NULL THEN NULL ELSE guardrail_trips - ${changed}::text[] END,
        updated_at = now()
      WHERE id = ${id}::uuid AND deleted_at IS NULL AND status::text = ANY(${ACTIVE_STATUSES}::text[])
      RETURNING id::text AS id`;
    if (rows.length === 0) return null;
    await tx.jobEvent.create({
      data: { jobId: id, kind: "metadata_update", actor: actorLabel(actor), reason: "guardrails changed", metadata: { guardrails } },
    });
    return tx.finetuningJob.findUniqueOrThrow({ where: { id }, select: JOB_SELECT });
  });
  if (!updated) {
    const now = await findJobRow(db, id);
    if (!now) throw notFound(id);
    throw ended(now);
  }
  announceJobChange(db, updated);
  // Its next poll may be far off (a big fleet spreads routine polls): it is read soon and planned by its new limits.
  await hurryAdvance(id, planOf("changing", 0)).catch((error: unknown) => console.error(`bringing job ${id}'s poll forward failed`, error));
  return { finetuning_id: id, guardrails: readGuardrails(updated.guardrails), trips: readTrips(updated.guardrailTrips) };
}

export async function getConnectionGuardrails({ db, id }: { db: Db; id: string }) {
  const row = await db.dbConnection.findUnique({ where: { id }, select: { guardrails: true } });
  if (!row) throw connectionNotFound(id);
  return { db_connection_id: id, guardrails: readGuardrails(row.guardrails) };
}

/** The defaults new jobs on the connection start with; jobs already made keep theirs. */
export async function setConnectionGuardrails({ db, id, guardrails }: { db: Db; id: string; guardrails: Guardrails }) {
  const { count } = await db.dbConnection.updateMany({ where: { id }, data: { guardrails } });
  if (count === 0) throw connectionNotFound(id);
  return { db_connection_id: id, guardrails };
}
