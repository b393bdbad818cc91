import { z } from "zod";
import { idSchema } from "../finetuning/schema";
import { MAX_BULK_GOLDEN_RECORDS } from "./schema";

export const IMPORT_FORMATS = ["jsonl", "csv"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const MAX_IMPORT_RECORDS = MAX_BULK_GOLDEN_RECORDS;
export const MAX_IMPORT_TEXT_BYTES = 5 * 1024 * 1024;

/** UTF-8 size without allocating a copy of a 5 MB string (works in the browser too). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export const importGoldenRecordsInputSchema = z.object({
  db_connection_id: idSchema,
  format: z.enum(IMPORT_FORMATS, { error: "must be jsonl or csv" }),
  text: z
    .string()
    .min(1, "must not be empty")
    // Characters never outnumber bytes: the same limit, stated where a schema can read it.
    .max(MAX_IMPORT_TEXT_BYTES, { error: "must be at most 5 MB", abort: true })
    .refine((text) => utf8ByteLength(text) <= MAX_IMPORT_TEXT_BYTES, "must be at most 5 MB"),
});
export type ImportGoldenRecordsInput = z.infer<typeof importGoldenRecordsInputSchema>;

export const rejectedLineSchema = z.object({
  /** 1-based, as an editor shows it; a CSV record spanning lines is named by its first line. */
  line: z.number().int().min(1),
  reason: z.string(),
});
export type RejectedLine = z.infer<typeof rejectedLineSchema>;

export const importReportSchema = z.object({
  created: z.number().int().min(0),
  rejected: z.array(rejectedLineSchema),
});
export type ImportReport = z.infer<typeof importReportSchema>;

/** The format a file name implies, or null when it says nothing we know. */
export function formatFromFileName(name: string): ImportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return null;
}
