import { AppError } from "../errors";
import { ACTIVE_STATUSES } from "./schema";

export function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Fine-tuning job ${id} not found.`);
}

const CANCELLABLE = `${ACTIVE_STATUSES.slice(0, -1).join(", ")} or ${ACTIVE_STATUSES.at(-1)}`;

export function statusConflict(job: { id: string; status: string }): AppError {
  return new AppError("CONFLICT", `Fine-tuning job ${job.id} has already ${job.status}; only a ${CANCELLABLE} job can be cancelled.`);
}
