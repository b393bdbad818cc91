import "server-only";
import type { Db } from "../db";
import type { CreateGoldenRecordsInput, GoldenRecord, GoldenRecordPage, ListGoldenRecordsInput } from "./schema";
import { connectionNotFound } from "../connections/errors";

const SELECT = { id: true, dbConnectionId: true, question: true, sql: true, createdAt: true } as const;
type Row = { id: string; dbConnectionId: string; question: string; sql: string; createdAt: Date };

function toWire(row: Row): GoldenRecord {
  return {
    id: row.id,
    db_connection_id: row.dbConnectionId,
    question: row.question,
    sql: row.sql,
    created_at: row.createdAt.toISOString(),
  };
}

async function assertConnection(db: Db, id: string): Promise<void> {
  const found = await db.dbConnection.findUnique({ where: { id }, select: { id: true } });
  if (!found) throw connectionNotFound(id);
}

/** Creates up to 10,000 golden records in one transaction: all of them or none. */
export async function createGoldenRecords({ db, input }: { db: Db; input: CreateGoldenRecordsInput }): Promise<GoldenRecord[]> {
  await assertConnection(db, input.db_connection_id);
  const rows = await db.goldenRecord.createManyAndReturn({
    data: input.records.map((r) => ({ dbConnectionId: input.db_connection_id, question: r.question, sql: r.sql })),
    select: SELECT,
  });
  return rows.map(toWire);
}

export async function listGoldenRecords({ db, input }: { db: Db; input: ListGoldenRecordsInput }): Promise<GoldenRecordPage> {
  await assertConnection(db, input.db_connection_id);
  const rows = await db.goldenRecord.findMany({
    where: { dbConnectionId: input.db_connection_id, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: "asc" },
    take: input.limit + 1,
    select: SELECT,
  });
  const page = rows.slice(0, input.limit);
  return { items: page.map(toWire), next_cursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}
