import { AppError } from "../errors";

export function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Fine-tuning job ${id} not found.`);
}

export function statusConflict(job: { id: string; status: string }): AppError {
  return new AppError("CONFLICT", `Fine-tuning job ${job.id} has already ${job.status}; only a queued, validating or running job can be cancelled.`);
}
