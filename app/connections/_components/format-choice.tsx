import { clsx } from "clsx";
import { IMPORT_FORMATS, type ImportFormat } from "@/server/golden-records/import-schema";

const LABELS: Record<ImportFormat, { name: string; shape: string }> = {
  jsonl: { name: "JSONL", shape: 'one {"question": …, "sql": …} per line' },
  csv: { name: "CSV", shape: "a header row with question and sql columns" },
};

/** JSONL or CSV, as radio buttons (a file's name picks one; the user can still change it). */
export function FormatChoice({ value, onChange }: { value: ImportFormat; onChange: (format: ImportFormat) => void }) {
  return (
    <fieldset className="min-w-0 space-y-1.5">
      <legend className="text-sm font-medium text-slate-800">Format</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {IMPORT_FORMATS.map((format) => (
          <label
            key={format}
            className={clsx(
              "flex cursor-pointer items-start gap-2.5 rounded-md border px-3 py-2 text-sm has-focus-visible:outline-2 has-focus-visible:outline-blue-600",
              value === format ? "border-blue-600 bg-blue-50/50" : "border-slate-300 hover:bg-slate-50",
            )}
          >
            <input
              type="radio"
              name="import-format"
              value={format}
              checked={value === format}
              onChange={() => onChange(format)}
              className="mt-0.5 accent-blue-600"
            />
            <span>
              <span className="block font-medium text-slate-900">{LABELS[format].name}</span>
              <span className="block text-xs text-slate-500">{LABELS[format].shape}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
