import type { Db } from "../db";
import { AppError } from "../errors";
import {
  MAX_IMPORT_RECORDS,
  MAX_IMPORT_TEXT_BYTES,
  utf8ByteLength,
  type ImportFormat,
  type ImportReport,
  type RejectedLine,
} from "./import-schema";
import { goldenRecordInputSchema } from "./schema";

export type ParsedGoldenRecord = { line: number; question: string; sql: string };
export type ParsedGoldenRecords = { records: ParsedGoldenRecord[]; rejected: RejectedLine[] };

/** One CSV record: the physical line it starts on, its fields, and what is wrong with its quoting, if anything. */
export type CsvRecord = { line: number; fields: string[]; problem: string | null };

const BOM = "\uFEFF";
const LINE_BREAK = /\r\n|\r|\n/g;
const MAX_REASON_LENGTH = 300;

const countLineBreaks = (chunk: string) => chunk.match(LINE_BREAK)?.length ?? 0;
const isBlank = (s: string) => s.trim() === "";
const isSpace = (ch: string | undefined) => ch === " " || ch === "\t";
const endsField = (ch: string | undefined) => ch === undefined || ch === "," || ch === "\r" || ch === "\n";

/**
 * RFC 4180 records: fields separated by commas, records by CRLF, LF or CR; a
 * field in double quotes may hold commas, line breaks and doubled quotes ("").
 * Tolerated beyond the RFC: blank lines (skipped) and spaces around a quoted
 * field. Line breaks inside quoted fields become "\n" whatever the file used.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.startsWith(BOM) ? 1 : 0;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { line, fields: [], problem: null };
    for (;;) {
      let start = i;
      while (isSpace(text[start])) start++;
      if (text[start] === '"') {
        let value = "";
        let closed = false;
        i = start + 1;
        while (i < n) {
          const quote = text.indexOf('"', i);
          const chunk = text.slice(i, quote === -1 ? n : quote);
          line += countLineBreaks(chunk);
          value += chunk.replace(LINE_BREAK, "\n");
          if (quote === -1) {
            i = n;
            break;
          }
          if (text[quote + 1] === '"') {
            value += '"';
            i = quote + 2;
            continue;
          }
          i = quote + 1;
          closed = true;
          break;
        }
        const fieldNumber = record.fields.length + 1;
        if (!closed) record.problem ??= `field ${fieldNumber} opens a quote that is never closed`;
        while (isSpace(text[i])) i++;
        if (!endsField(text[i])) {
          record.problem ??= `field ${fieldNumber} has text after its closing quote (inside quotes, write a quote as "")`;
          const end = nextFieldEnd(text, i);
          value += text.slice(i, end);
          i = end;
        }
        record.fields.push(value);
      } else {
        const end = nextFieldEnd(text, i);
        record.fields.push(text.slice(i, end));
        i = end;
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (i < n) {
        i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
      }
      break;
    }
    const blank = record.fields.length === 1 && isBlank(record.fields[0] ?? "") && !record.problem;
    if (!blank) records.push(record);
  }
  return records;
}

function nextFieldEnd(text: string, from: number): number {
  let end = from;
  while (!endsField(text[end])) end++;
  return end;
}

function truncate(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

/** Checks one candidate as goldenRecordInputSchema does, with a reason a person can act on. */
function validateRecord(line: number, candidate: { question: unknown; sql: unknown }): ParsedGoldenRecord | RejectedLine {
  const result = goldenRecordInputSchema.safeParse(candidate);
  if (result.success) return { line, ...result.data };
  const reasons = result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? "record");
    if (issue.code === "invalid_type") return candidate[field as keyof typeof candidate] === undefined ? `${field} is missing` : `${field} must be a string`;
    if (issue.code === "too_small") return `${field} is empty`;
    if (issue.code === "too_big") return `${field} is longer than ${issue.maximum.toLocaleString("en-US")} characters`;
    return `${field}: ${issue.message}`;
  });
  return { line, reason: reasons.join("; ") };
}

function parseJsonl(text: string): ParsedGoldenRecords {
  const out: ParsedGoldenRecords = { records: [], rejected: [] };
  const lines = (text.startsWith(BOM) ? text.slice(1) : text).split(LINE_BREAK);
  lines.forEach((content, index) => {
    const line = index + 1;
    if (isBlank(content)) return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      out.rejected.push({ line, reason: truncate(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`) });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out.rejected.push({ line, reason: 'must be a JSON object like {"question": "…", "sql": "…"}' });
      return;
    }
    const object = value as Record<string, unknown>;
    push(out, validateRecord(line, { question: object.question, sql: object.sql }));
  });
  return out;
}

function parseCsvRecords(text: string): ParsedGoldenRecords {
  const out: ParsedGoldenRecords = { records: [], rejected: [] };
  const [header, ...rows] = parseCsv(text);
  if (!header) return out;
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const questionAt = columns.indexOf("question");
  const sqlAt = columns.indexOf("sql");
  if (header.problem || questionAt === -1 || sqlAt === -1) {
    const found = header.fields.map((f) => JSON.stringify(f.trim())).join(", ");
    throw new AppError("BAD_REQUEST", truncate(`text: the CSV header (line ${header.line}) needs "question" and "sql" columns; it has ${found}.`), {
      field: "text",
    });
  }
  for (const row of rows) {
    if (row.problem) {
      out.rejected.push({ line: row.line, reason: row.problem });
    } else if (row.fields.length !== columns.length) {
      out.rejected.push({
        line: row.line,
        reason: `has ${row.fields.length} fields but the header has ${columns.length} (put fields that contain commas in double quotes)`,
      });
    } else {
      push(out, validateRecord(row.line, { question: row.fields[questionAt], sql: row.fields[sqlAt] }));
    }
  }
  return out;
}

function push(out: ParsedGoldenRecords, result: ParsedGoldenRecord | RejectedLine): void {
  if ("reason" in result) out.rejected.push(result);
  else out.records.push(result);
}

/** Splits pasted or uploaded text into valid records and rejected lines; pure, so it is unit-tested on its own. */
export function parseGoldenRecordsText({ format, text }: { format: ImportFormat; text: string }): ParsedGoldenRecords {
  return format === "csv" ? parseCsvRecords(text) : parseJsonl(text);
}

/**
 * Imports golden records from JSONL or CSV text: every valid line is inserted
 * in one transaction, every invalid one is reported with its line number.
 */
export async function importGoldenRecords({
  db,
  dbConnectionId,
  format,
  text,
}: {
  db: Db;
  dbConnectionId: string;
  format: ImportFormat;
  text: string;
}): Promise<ImportReport> {
  if (utf8ByteLength(text) > MAX_IMPORT_TEXT_BYTES) throw new AppError("BAD_REQUEST", "text: must be at most 5 MB; split the file.", { field: "text" });
  const connection = await db.dbConnection.findUnique({ where: { id: dbConnectionId }, select: { id: true } });
  if (!connection) throw new AppError("NOT_FOUND", `Database connection ${dbConnectionId} not found.`, { field: "db_connection_id" });

  const { records, rejected } = parseGoldenRecordsText({ format, text });
  const total = records.length + rejected.length;
  if (total === 0) throw new AppError("BAD_REQUEST", "text: has no records.", { field: "text" });
  if (total > MAX_IMPORT_RECORDS) {
    throw new AppError("BAD_REQUEST", `text: has ${total.toLocaleString("en-US")} records; at most ${MAX_IMPORT_RECORDS.toLocaleString("en-US")} per import.`, {
      field: "text",
    });
  }
  if (records.length === 0) return { created: 0, rejected };

  const [result] = await db.$transaction([
    db.goldenRecord.createMany({ data: records.map((r) => ({ dbConnectionId, question: r.question, sql: r.sql })) }),
  ]);
  return { created: result.count, rejected };
}
