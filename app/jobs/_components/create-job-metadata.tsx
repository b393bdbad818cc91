"use client";

import { Plus, Trash2 } from "lucide-react";
import { useId } from "react";
import { Button } from "@/app/_components/button";
import { FieldError, inputClasses } from "@/app/_components/form-field";
import type { MetadataRow } from "./create-job-form";

let nextRowId = 1;
export const newMetadataRow = (): MetadataRow => ({ rowId: nextRowId++, key: "", value: "" });

/** Key/value rows; blank rows are ignored. */
export function MetadataRows({
  rows,
  onChange,
  error,
}: {
  rows: MetadataRow[];
  onChange: (rows: MetadataRow[]) => void;
  error: string | undefined;
}) {
  const errorId = useId();
  const update = (rowId: number, patch: Partial<MetadataRow>) => onChange(rows.map((r) => (r.rowId === rowId ? { ...r, ...patch } : r)));
  return (
    <fieldset className="min-w-0 space-y-2" aria-describedby={error ? errorId : undefined}>
      <legend className="text-sm font-medium text-slate-800">
        Metadata <span className="font-normal text-slate-500">(optional)</span>
      </legend>
      {rows.map((row, index) => (
        <div key={row.rowId} className="flex items-center gap-2">
          <div className="w-44 shrink-0">
            <input
              aria-label={`Metadata key ${index + 1}`}
              value={row.key}
              onChange={(e) => update(row.rowId, { key: e.target.value })}
              placeholder="key"
              className={`${inputClasses} h-8 font-mono text-xs`}
            />
          </div>
          <div className="min-w-0 flex-1">
            <input
              aria-label={`Metadata value ${index + 1}`}
              value={row.value}
              onChange={(e) => update(row.rowId, { value: e.target.value })}
              placeholder="value"
              className={`${inputClasses} h-8 text-xs`}
            />
          </div>
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Remove metadata row ${index + 1}`}
            onClick={() => onChange(rows.filter((r) => r.rowId !== row.rowId))}
          >
            <Trash2 aria-hidden className="size-3.5" />
          </Button>
        </div>
      ))}
      <Button size="sm" variant="ghost" onClick={() => onChange([...rows, newMetadataRow()])}>
        <Plus aria-hidden className="size-3.5" />
        Add metadata
      </Button>
      {error ? <FieldError id={errorId}>{error}</FieldError> : null}
    </fieldset>
  );
}
