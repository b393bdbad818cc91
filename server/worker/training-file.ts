import { createHash } from "node:crypto";
import type { Db } from "../db";
import { heldOutCount } from "../finetuning/validation-split";

export type TrainingFiles = {
  /** One chat example per golden record trained on. */
  training: string;
  /** The held-out records in the same form; null when the job has too few to spare one (server/finetuning/validation-split.ts). */
  validation: string | null;
};

/**
 * The records held out are those whose id hashes lowest: the choice depends on
 * the set alone, never on the job, so every run of a sweep (same records) is
 * validated on the same examples, and a job continued on the same records
 * never trains on what its parent was validated on.
 */
function rank(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/**
 * The job's files: one chat example per golden record, the schema as system
 * prompt, the question as the user's turn, the SQL as the assistant's answer;
 * a share of them held out as the validation file.
 */
export async function buildTrainingFiles({ db, jobId }: { db: Db; jobId: string }): Promise<TrainingFiles> {
  const job = await db.finetuningJob.findUniqueOrThrow({
    where: { id: jobId },
    select: { goldenRecordIds: true, dbConnection: { select: { dialect: true, schemaText: true } } },
  });
  const records = await db.goldenRecord.findMany({
    where: { id: { in: job.goldenRecordIds } },
    select: { id: true, question: true, sql: true },
    orderBy: { id: "asc" },
  });
  const system =
    `You translate questions into ${job.dbConnection.dialect} SQL for this database. ` +
    `Answer with one SQL query and nothing else.\n\nSchema:\n${job.dbConnection.schemaText}`;
  const example = (r: { question: string; sql: string }) =>
    JSON.stringify({
      messages: [
        { role: "system", content: system },
        { role: "user", content: r.question },
        { role: "assistant", content: r.sql },
      ],
    });
  const heldOut = new Set(
    records
      .map((r) => ({ id: r.id, rank: rank(r.id) }))
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
      .slice(0, heldOutCount(records.length))
      .map((r) => r.id),
  );
  const validation = records.filter((r) => heldOut.has(r.id));
  return {
    training: records
      .filter((r) => !heldOut.has(r.id))
      .map(example)
      .join("\n"),
    validation: validation.length > 0 ? validation.map(example).join("\n") : null,
  };
}
