import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFromFileName, utf8ByteLength } from "../../server/golden-records/import-schema";
import { parseCsv, parseGoldenRecordsText } from "../../server/golden-records/import";

const csv = (text: string) => parseGoldenRecordsText({ format: "csv", text });
const jsonl = (text: string) => parseGoldenRecordsText({ format: "jsonl", text });

describe("parseCsv (RFC 4180, read by csv-parse)", () => {
  it("splits plain fields and records", () => {
    expect(parseCsv("a,b\nc,d\n")).toEqual([
      { line: 1, fields: ["a", "b"], problem: null },
      { line: 2, fields: ["c", "d"], problem: null },
    ]);
  });

  it("keeps commas, doubled quotes and line breaks inside quoted fields, and counts the lines they span", () => {
    const records = parseCsv('question,sql\n"Top 5, by revenue?","SELECT ""name""\nFROM t\nLIMIT 5"\nnext,row');
    expect(records).toEqual([
      { line: 1, fields: ["question", "sql"], problem: null },
      { line: 2, fields: ["Top 5, by revenue?", 'SELECT "name"\nFROM t\nLIMIT 5'], problem: null },
      { line: 5, fields: ["next", "row"], problem: null },
    ]);
  });

  it("accepts CRLF and lone CR line ends, and turns line breaks inside quotes into \\n", () => {
    expect(parseCsv('a,"x\r\ny"\r\nb,c\rd,e')).toEqual([
      { line: 1, fields: ["a", "x\ny"], problem: null },
      { line: 3, fields: ["b", "c"], problem: null },
      { line: 4, fields: ["d", "e"], problem: null },
    ]);
  });

  it("strips a byte-order mark, skips blank lines, and keeps empty fields", () => {
    expect(parseCsv("\uFEFFa,b\n\n   \n,\n")).toEqual([
      { line: 1, fields: ["a", "b"], problem: null },
      { line: 4, fields: ["", ""], problem: null },
    ]);
  });

  it("treats a quote inside an unquoted field literally and tolerates spaces around a quoted field", () => {
    expect(parseCsv('say "hi",  "x, y"  ,z')).toEqual([{ line: 1, fields: ['say "hi"', "x, y", "z"], problem: null }]);
  });

  it("flags text after a closing quote and a quote that is never closed, naming the field, and reads on after the first", () => {
    expect(parseCsv('"a"b,c\nx,"y"z\nd,e\n"open,f\ng,h')).toEqual([
      { line: 1, fields: [], problem: expect.stringContaining("field 1 has text after its closing quote") },
      { line: 2, fields: [], problem: expect.stringContaining("field 2 has text after its closing quote") },
      { line: 3, fields: ["d", "e"], problem: null },
      { line: 4, fields: [], problem: "field 1 opens a quote that is never closed" },
    ]);
  });

  it("reads back whatever an RFC 4180 writer wrote (spaces around unquoted fields aside), with the line each record starts on", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "Z", " ", ",", '"', "\r", "\n", "é", "\t") });
    const quote = (value: string, always: boolean) => (always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 4 }), { maxLength: 6 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        (rows, eol) => {
          const written = rows.map((row) => row.map(([value, always]) => quote(value, always)).join(","));
          const expected = [];
          let line = 1;
          for (const [index, row] of rows.entries()) {
            // Line breaks inside quotes become \n; unquoted fields lose surrounding spaces and tabs.
            const fields = row.map(([value, always]) =>
              always || /[",\r\n]/.test(value) ? value.replace(/\r\n|\r|\n/g, "\n") : value.replace(/^[ \t]+|[ \t]+$/g, ""),
            );
            const blank = fields.length === 1 && fields[0]?.trim() === "";
            if (!blank) expected.push({ line, fields, problem: null });
            line += (written[index]?.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
          }
          expect(parseCsv(written.join(eol))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("returns nothing for empty or blank text", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\n\r\n")).toEqual([]);
  });
});

describe("CSV golden records", () => {
  it("finds the question and sql columns by name, in any order and case, and ignores other columns", () => {
    const result = csv("id, SQL ,Question\n1,SELECT 1,One?\n2,SELECT 2,Two?");
    expect(result).toEqual({
      records: [
        { line: 2, question: "One?", sql: "SELECT 1" },
        { line: 3, question: "Two?", sql: "SELECT 2" },
      ],
      rejected: [],
    });
  });

  it("rejects rows with empty fields, the wrong number of fields or broken quoting, by the line the user sees", () => {
    const result = csv(
      [
        "question,sql",
        "Fine?,SELECT 1",
        ",SELECT 2",
        "No sql,",
        "Commas?,SELECT a, b FROM t",
        '"multi',
        'line?",SELECT 3',
        '"x"y,SELECT 4',
      ].join("\r\n"),
    );
    expect(result.records).toEqual([
      { line: 2, question: "Fine?", sql: "SELECT 1" },
      { line: 6, question: "multi\nline?", sql: "SELECT 3" },
    ]);
    expect(result.rejected).toEqual([
      { line: 3, reason: "question is empty" },
      { line: 4, reason: "sql is empty" },
      { line: 5, reason: "has 3 fields but the header has 2 (put fields that contain commas in double quotes)" },
      { line: 8, reason: expect.stringContaining("field 1 has text after its closing quote") },
    ]);
  });

  it("trims values and rejects ones longer than the golden-record limits", () => {
    const result = csv(`question,sql\n  Padded?  , SELECT 1 \nLong?,"${"x".repeat(50_001)}"`);
    expect(result.records).toEqual([{ line: 2, question: "Padded?", sql: "SELECT 1" }]);
    expect(result.rejected).toEqual([{ line: 3, reason: "sql is longer than 50,000 characters" }]);
  });

  it("refuses a header without question and sql columns, naming the text field", () => {
    expect(() => csv("prompt,query\nA?,SELECT 1")).toThrow(expect.objectContaining({ code: "BAD_REQUEST", field: "text" }));
    expect(() => csv("question\nA?")).toThrow(/needs "question" and "sql" columns; it has "question"/);
  });

  it("has no records for a header alone", () => {
    expect(csv("question,sql\r\n")).toEqual({ records: [], rejected: [] });
  });
});

describe("JSONL golden records", () => {
  it("reads one object per line, with a BOM, CRLF and blank lines, and ignores extra keys", () => {
    const text = '\uFEFF{"question":"One?","sql":"SELECT 1"}\r\n\r\n  \n{"sql":"SELECT 2","question":"Two?","tag":"x"}\n';
    expect(jsonl(text)).toEqual({
      records: [
        { line: 1, question: "One?", sql: "SELECT 1" },
        { line: 4, question: "Two?", sql: "SELECT 2" },
      ],
      rejected: [],
    });
  });

  it("keeps escaped line breaks inside strings", () => {
    expect(jsonl(String.raw`{"question":"Q?","sql":"SELECT 1\nFROM t"}`).records).toEqual([
      { line: 1, question: "Q?", sql: "SELECT 1\nFROM t" },
    ]);
  });

  it("rejects bad JSON, non-objects, missing, non-string and empty fields, each by line", () => {
    const lines = [
      '{"question":"Fine?","sql":"SELECT 1"}',
      '{"question": "Broken?", "sql": }',
      '["question","sql"]',
      "null",
      '{"question":"No sql?"}',
      '{"question":42,"sql":"SELECT 1"}',
      '{"question":"   ","sql":""}',
    ];
    const { records, rejected } = jsonl(lines.join("\n"));
    expect(records).toEqual([{ line: 1, question: "Fine?", sql: "SELECT 1" }]);
    expect(rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^not valid JSON: /) },
      { line: 3, reason: 'must be a JSON object like {"question": "…", "sql": "…"}' },
      { line: 4, reason: 'must be a JSON object like {"question": "…", "sql": "…"}' },
      { line: 5, reason: "sql is missing" },
      { line: 6, reason: "question must be a string" },
      { line: 7, reason: "question is empty; sql is empty" },
    ]);
  });
});

describe("import helpers", () => {
  it("detects the format from a file name", () => {
    expect(formatFromFileName("golden.CSV")).toBe("csv");
    expect(formatFromFileName("golden.jsonl")).toBe("jsonl");
    expect(formatFromFileName("golden.ndjson")).toBe("jsonl");
    expect(formatFromFileName("golden.txt")).toBeNull();
  });

  it("measures UTF-8 bytes as Buffer does", () => {
    for (const text of ["", "abc", "é", "€", "😀 SELECT 'ü'", "\uD800", "\uD800x"])
      expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, "utf8"));
  });
});
