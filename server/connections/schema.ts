import { z } from "zod";

export const CONNECTION_ALIAS_MAX_LENGTH = 128;
export const SCHEMA_TEXT_MAX_LENGTH = 200_000;

export const DIALECTS = ["postgresql", "mysql", "sqlite", "bigquery", "snowflake", "databricks", "mssql", "clickhouse"] as const;

export const dbConnectionSchema = z.object({
  id: z.string(),
  alias: z.string(),
  dialect: z.string(),
  schema_text: z.string(),
  golden_record_count: z.number().int(),
  created_at: z.iso.datetime({ offset: true }),
});
export type DbConnection = z.infer<typeof dbConnectionSchema>;

export const createDbConnectionInputSchema = z.object({
  alias: z.string().trim().min(1).max(CONNECTION_ALIAS_MAX_LENGTH),
  dialect: z.enum(DIALECTS),
  schema_text: z.string().min(1).max(SCHEMA_TEXT_MAX_LENGTH),
});
export type CreateDbConnectionInput = z.infer<typeof createDbConnectionInputSchema>;
