import { z } from "zod";
import { idSchema } from "../finetuning/schema";

export const MAX_BULK_GOLDEN_RECORDS = 10_000;

export const goldenRecordSchema = z.object({
  id: z.string(),
  db_connection_id: z.string(),
  question: z.string(),
  sql: z.string(),
  created_at: z.iso.datetime({ offset: true }),
});
export type GoldenRecord = z.infer<typeof goldenRecordSchema>;

export const goldenRecordInputSchema = z.object({
  question: z.string().trim().min(1).max(10_000),
  sql: z.string().trim().min(1).max(50_000),
});

export const createGoldenRecordsInputSchema = z.object({
  db_connection_id: idSchema,
  records: z.array(goldenRecordInputSchema).min(1).max(MAX_BULK_GOLDEN_RECORDS),
});
export type CreateGoldenRecordsInput = z.infer<typeof createGoldenRecordsInputSchema>;

export const listGoldenRecordsInputSchema = z.object({
  db_connection_id: idSchema,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: idSchema.optional(),
});
export type ListGoldenRecordsInput = z.infer<typeof listGoldenRecordsInputSchema>;

export const goldenRecordPageSchema = z.object({ items: z.array(goldenRecordSchema), next_cursor: z.string().nullable() });
export type GoldenRecordPage = z.infer<typeof goldenRecordPageSchema>;
