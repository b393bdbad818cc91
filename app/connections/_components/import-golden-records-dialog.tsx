"use client";

import { FileUp, X } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { Button } from "@/app/_components/button";
import { DialogActions, DialogClose, DialogContent, DialogRoot, DialogTrigger } from "@/app/_components/dialog";
import { Field, FieldError, fieldAria, inputClasses } from "@/app/_components/form-field";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { DbConnection } from "@/server/connections/schema";
import {
  formatFromFileName,
  MAX_IMPORT_TEXT_BYTES,
  utf8ByteLength,
  type ImportFormat,
  type ImportReport,
} from "@/server/golden-records/import-schema";
import { FormatChoice } from "./format-choice";
import { ImportReportView } from "./import-report";

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Server messages name the field ("text: …"); here the field is the whole form. */
const plainMessage = (message: string) => message.replace(/^text: /, "").replace(/^./, (c) => c.toUpperCase());

/** "Import golden records" for one connection: a .jsonl/.csv file or pasted text, then a report of what was rejected. */
export function ImportGoldenRecordsDialog({ connection }: { connection: Pick<DbConnection, "id" | "alias"> }) {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<ImportFormat>("jsonl");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [fileInputKey, setFileInputKey] = useState(0);
  const [detected, setDetected] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const ids = { file: useId(), text: useId() };
  const utils = trpc.useUtils();
  const importRecords = trpc.goldenRecord.import.useMutation({
    onSuccess: async (result) => {
      setReport(result);
      const n = result.created;
      if (n > 0) toast.success(`Imported ${n.toLocaleString("en-US")} golden ${n === 1 ? "record" : "records"} into ${connection.alias}`);
      await Promise.all([utils.dbConnection.list.invalidate(), utils.goldenRecord.list.invalidate({ db_connection_id: connection.id })]);
    },
  });

  const clearFile = () => {
    setFile(null);
    setDetected(null);
    setFileInputKey((k) => k + 1);
  };
  const startOver = () => {
    clearFile();
    setText("");
    setProblem(null);
    setReport(null);
    importRecords.reset();
  };
  const openChange = (next: boolean) => {
    setOpen(next);
    if (!next) startOver();
  };
  const chooseFile = (chosen: File | undefined) => {
    setProblem(null);
    importRecords.reset();
    if (!chosen) return clearFile();
    setFile(chosen);
    const fromName = formatFromFileName(chosen.name);
    if (fromName) setFormat(fromName);
    setDetected(fromName ? `${fromName.toUpperCase()}, from the file name.` : "The file name does not say; choose the format below.");
  };

  const send = async () => {
    setProblem(null);
    if (!file && !text.trim()) return setProblem("Choose a file or paste some records.");
    const bytes = file ? file.size : utf8ByteLength(text);
    if (bytes > MAX_IMPORT_TEXT_BYTES)
      return setProblem(`That is ${megabytes(bytes)}; at most 5 MB can be imported at once. Split it into smaller files.`);
    let body: string;
    try {
      body = file ? await file.text() : text;
    } catch {
      return setProblem(`Could not read ${file?.name ?? "the file"}.`);
    }
    importRecords.mutate({ db_connection_id: connection.id, format, text: body });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  return (
    <DialogRoot open={open} onOpenChange={openChange}>
      <DialogTrigger asChild>
        <Button size="sm" title={`Import golden records into ${connection.alias}`}>
          <FileUp aria-hidden className="size-3.5" />
          Import golden records
        </Button>
      </DialogTrigger>
      <DialogContent
        title={<>Import golden records into {connection.alias}</>}
        description="Question/SQL pairs from a JSONL or CSV file, or pasted. Valid lines are imported; the others are listed with the reason."
        wide
      >
        {report ? (
          <div className="space-y-5">
            <ImportReportView report={report} />
            <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
              <Button onClick={startOver}>Import more</Button>
              <DialogClose asChild>
                <Button variant="primary">Done</Button>
              </DialogClose>
            </div>
          </div>
        ) : (
          <form onSubmit={submit} noValidate className="space-y-4">
            <Field
              id={ids.file}
              label="File"
              optional
              hint={detected ? `Format: ${detected}` : ".jsonl or .csv, up to 5 MB and 10,000 records."}
            >
              {file ? (
                <div className="flex items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
                  <span className="min-w-0 flex-1 truncate font-medium text-slate-800">{file.name}</span>
                  <span className="text-xs text-slate-500">{megabytes(file.size)}</span>
                  <Button size="sm" variant="ghost" onClick={clearFile} aria-label={`Remove ${file.name}`}>
                    <X aria-hidden className="size-3.5" />
                  </Button>
                </div>
              ) : null}
              <input
                key={fileInputKey}
                id={ids.file}
                type="file"
                accept=".jsonl,.ndjson,.csv,text/csv,application/jsonl,application/x-ndjson"
                onChange={(e) => chooseFile(e.target.files?.[0])}
                className={
                  file
                    ? "sr-only"
                    : "block w-full text-sm text-slate-600 file:mr-3 file:cursor-pointer file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-50"
                }
                {...fieldAria(ids.file, { hint: true })}
              />
            </Field>
            <Field id={ids.text} label="Or paste records" hint={file ? "The file above is used; remove it to paste instead." : undefined}>
              <textarea
                id={ids.text}
                value={text}
                onChange={(e) => setText(e.target.value)}
                disabled={file !== null}
                rows={7}
                spellCheck={false}
                placeholder={
                  format === "csv"
                    ? 'question,sql\n"How many orders were placed?","SELECT count(*) FROM orders"'
                    : '{"question": "How many orders were placed?", "sql": "SELECT count(*) FROM orders"}'
                }
                className={`${inputClasses} py-2 font-mono text-xs`}
                {...fieldAria(ids.text, { hint: file ? true : undefined })}
              />
            </Field>
            <FormatChoice value={format} onChange={setFormat} />
            {problem ? <FieldError>{problem}</FieldError> : null}
            {importRecords.error ? (
              <ErrorCallout title="Nothing was imported">{plainMessage(importRecords.error.message)}</ErrorCallout>
            ) : null}
            <DialogActions pending={importRecords.isPending}>{importRecords.isPending ? "Importing…" : "Import"}</DialogActions>
          </form>
        )}
      </DialogContent>
    </DialogRoot>
  );
}
