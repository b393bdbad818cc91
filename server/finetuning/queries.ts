import type { Db } from "../db";
import { AppError } from "../errors";
import { JOB_SELECT, type JobRow } from "./records";

export async function findJobRow(db: Db, id: string): Promise<JobRow | null> {
  return db.finetuningJob.findFirst({ where: { id, deletedAt: null }, select: JOB_SELECT });
}

export function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Fine-tuning job ${id} not found.`);
}

export function statusConflict(job: { id: string; status: string }): AppError {
  return new AppError("CONFLICT", `Fine-tuning job ${job.id} has already ${job.status}; only a queued, validating or running job can be cancelled.`);
}
