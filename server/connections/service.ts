import "server-only";
import type { Db } from "../db";
import type { CreateDbConnectionInput, DbConnection } from "./schema";

const SELECT = {
  id: true,
  alias: true,
  dialect: true,
  schemaText: true,
  createdAt: true,
  _count: { select: { goldenRecords: true } },
} as const;

type Row = { id: string; alias: string; dialect: string; schemaText: string; createdAt: Date; _count: { goldenRecords: number } };

function toWire(row: Row): DbConnection {
  return {
    id: row.id,
    alias: row.alias,
    dialect: row.dialect,
    schema_text: row.schemaText,
    golden_record_count: row._count.goldenRecords,
    created_at: row.createdAt.toISOString(),
  };
}

export async function createDbConnection({ db, input }: { db: Db; input: CreateDbConnectionInput }): Promise<DbConnection> {
  const row = await db.dbConnection.create({
    data: { alias: input.alias, dialect: input.dialect, schemaText: input.schema_text },
    select: SELECT,
  });
  return toWire(row);
}

export async function listDbConnections({ db }: { db: Db }): Promise<DbConnection[]> {
  const rows = await db.dbConnection.findMany({ orderBy: { createdAt: "desc" }, select: SELECT, take: 500 });
  return rows.map(toWire);
}
