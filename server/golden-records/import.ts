import "server-only";
import { CsvError, parse } from "csv-parse/sync";
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
import { connectionNotFound } from "../connections/errors";

export type ParsedGoldenRecord = { line: number; question: string; sql: string };
export type ParsedGoldenRecords = { records: ParsedGoldenRecord[]; rejected: RejectedLine[] };

/** One CSV record: the physical line it starts on, its fields, and what is wrong with its quoting, if anything. */
export type CsvRecord = { line: number; fields: string[]; problem: string | null };

const BOM = "\uFEFF";
const LINE_BREAK = /\r\n|\r|\n/g;
const NEWLINE = 0x0a;
const MAX_REASON_LENGTH = 300;

const isBlank = (s: string) => s.trim() === "";

// RFC 4180, as csv-parse reads it, plus what people's files do: spaces around
// fields (and quoted fields), a quote inside an unquoted field taken as text,
// and rows of different lengths (reported per row below, not refused whole).
const CSV_OPTIONS = { relax_column_count: true, relax_quotes: true, ltrim: true, rtrim: true, record_delimiter: "\n" } as const;

/** Thrown when a CSV has more records than the reader was allowed to read; reading stops there. */
export class TooManyRecords extends Error {}

const isBlankRecord = (record: CsvRecord) => record.problem === null && record.fields.length <= 1 && isBlank(record.fields[0] ?? "");

/**
 * The CSV's records with the line each starts on. Line ends may be CRLF, LF or
 * CR (inside quotes they become "\n"); blank lines are skipped. A record with
 * broken quoting is reported with csv-parse's diagnosis, and reading resumes
 * on the line after the one where it broke. Past `maxRecords` records read
 * (broken and blank ones included: they cost the same to read) it stops with
 * TooManyRecords, so a file of a million broken lines costs as much as one
 * just over the limit.
 */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): CsvRecord[] {
  const input = Buffer.from((text.startsWith(BOM) ? text.slice(1) : text).replace(LINE_BREAK, "\n"), "utf8");
  const lineStarts = [0];
  for (let i = input.indexOf(NEWLINE); i !== -1; i = input.indexOf(NEWLINE, i + 1)) lineStarts.push(i + 1);

  const records: CsvRecord[] = [];
  let read = 0;
  const keep = (record: CsvRecord) => {
    if (++read > maxRecords) throw new TooManyRecords();
    if (!isBlankRecord(record)) records.push(record);
  };
  for (let first = 1; first <= lineStarts.length;) {
    let lastEnd = first - 1;
    try {
      parse(input.subarray(lineStarts[first - 1]), {
        ...CSV_OPTIONS,
        on_record: (fields: string[], { lines }) => {
          keep({ line: lastEnd + 1, fields, problem: null });
          lastEnd = first - 1 + lines;
          return null;
        },
      });
      break;
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      keep({ line: lastEnd + 1, fields: [], problem: quotingProblem(error) });
      first += Number(error.lines ?? 1);
    }
  }
  return records;
}

function quotingProblem(error: CsvError): string {
  const field = typeof error.column === "number" ? error.column + 1 : 1;
  if (error.code === "CSV_QUOTE_NOT_CLOSED") return `field ${field} opens a quote that is never closed`;
  if (error.code === "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE" || error.code === "CSV_INVALID_CLOSING_QUOTE") {
    return `field ${field} has text after its closing quote (inside quotes, write a quote as "")`;
  }
  return error.message;
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
    if (issue.code === "invalid_type")
      return candidate[field as keyof typeof candidate] === undefined ? `${field} is missing` : `${field} must be a string`;
    if (issue.code === "too_small") return `${field} is empty`;
    if (issue.code === "too_big") return `${field} is longer than ${issue.maximum.toLocaleString("en-US")} characters`;
    return `${field}: ${issue.message}`;
  });
  return { line, reason: reasons.join("; ") };
}

function parseJsonl(text: string, maxRecords: number): ParsedGoldenRecords {
  const out: ParsedGoldenRecords = { records: [], rejected: [] };
  const lines = (text.startsWith(BOM) ? text.slice(1) : text).split(LINE_BREAK);
  lines.every((content, index) => {
    const line = index + 1;
    if (out.records.length + out.rejected.length > maxRecords) return false; // enough read: stop
    if (isBlank(content)) return true;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      out.rejected.push({ line, reason: truncate(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`) });
      return true;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out.rejected.push({ line, reason: 'must be a JSON object like {"question": "…", "sql": "…"}' });
      return true;
    }
    const object = value as Record<string, unknown>;
    push(out, validateRecord(line, { question: object.question, sql: object.sql }));
    return true;
  });
  return out;
}

function parseCsvRecords(text: string, maxRecords: number): ParsedGoldenRecords {
  const out: ParsedGoldenRecords = { records: [], rejected: [] };
  let parsed: CsvRecord[];
  try {
    // The header, and the rows up to the limit (blank ones included).
    parsed = parseCsv(text, maxRecords + 1);
  } catch (error) {
    if (error instanceof TooManyRecords) throw tooManyRecords(maxRecords);
    throw error;
  }
  const [header, ...rows] = parsed;
  if (!header) return out;
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const questionAt = columns.indexOf("question");
  const sqlAt = columns.indexOf("sql");
  if (header.problem || questionAt === -1 || sqlAt === -1) {
    const found = header.fields.map((f) => JSON.stringify(f.trim())).join(", ");
    throw new AppError(
      "BAD_REQUEST",
      truncate(`text: the CSV header (line ${header.line}) needs "question" and "sql" columns; it has ${found}.`),
      {
        field: "text",
      },
    );
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

// Reading stopped just past the limit, so the whole count is not known.
function tooManyRecords(max: number): AppError {
  const limit = Number.isFinite(max) ? max.toLocaleString("en-US") : String(max);
  return new AppError("BAD_REQUEST", `text: has more than ${limit} records; at most ${limit} per import.`, { field: "text" });
}

function push(out: ParsedGoldenRecords, result: ParsedGoldenRecord | RejectedLine): void {
  if ("reason" in result) out.rejected.push(result);
  else out.records.push(result);
}

/**
 * Splits pasted or uploaded text into valid records and rejected lines; pure,
 * so it is unit-tested on its own. Reading stops once records and rejections
 * together pass `maxRecords`: what is past it is not looked at.
 */
export function parseGoldenRecordsText({
  format,
  text,
  maxRecords = Number.POSITIVE_INFINITY,
}: {
  format: ImportFormat;
  text: string;
  maxRecords?: number;
}): ParsedGoldenRecords {
  return format === "csv" ? parseCsvRecords(text, maxRecords) : parseJsonl(text, maxRecords);
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
  if (utf8ByteLength(text) > MAX_IMPORT_TEXT_BYTES)
    throw new AppError("BAD_REQUEST", "text: must be at most 5 MB; split the file.", { field: "text" });
  const connection = await db.dbConnection.findUnique({ where: { id: dbConnectionId }, select: { id: true } });
  if (!connection) throw connectionNotFound(dbConnectionId);

  const { records, rejected } = parseGoldenRecordsText({ format, text, maxRecords: MAX_IMPORT_RECORDS });
  const total = records.length + rejected.length;
  if (total === 0) throw new AppError("BAD_REQUEST", "text: has no records.", { field: "text" });
  if (total > MAX_IMPORT_RECORDS) throw tooManyRecords(MAX_IMPORT_RECORDS);
  if (records.length === 0) return { created: 0, rejected };

  const [result] = await db.$transaction([
    db.goldenRecord.createMany({ data: records.map((r) => ({ dbConnectionId, question: r.question, sql: r.sql })) }),
  ]);
  return { created: result.count, rejected };
}
