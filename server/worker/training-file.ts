import type { Db } from "../db";

// One chat example per golden record: the schema as system prompt, the
// question as the user's turn, the SQL as the assistant's answer.
export async function buildTrainingJsonl({ db, jobId }: { db: Db; jobId: string }): Promise<string> {
  const job = await db.finetuningJob.findUniqueOrThrow({
    where: { id: jobId },
    select: { goldenRecordIds: true, dbConnection: { select: { dialect: true, schemaText: true } } },
  });
  const records = await db.goldenRecord.findMany({
    where: { id: { in: job.goldenRecordIds } },
    select: { question: true, sql: true },
    orderBy: { id: "asc" },
  });
  const system =
    `You translate questions into ${job.dbConnection.dialect} SQL for this database. ` +
    `Answer with one SQL query and nothing else.\n\nSchema:\n${job.dbConnection.schemaText}`;
  return records
    .map((r) =>
      JSON.stringify({
        messages: [
          { role: "system", content: system },
          { role: "user", content: r.question },
          { role: "assistant", content: r.sql },
        ],
      }),
    )
    .join("\n");
}
