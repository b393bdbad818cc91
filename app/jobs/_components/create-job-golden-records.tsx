"use client";

import { LoaderCircle, Search } from "lucide-react";
import { useId, useMemo, useState } from "react";
import { Button } from "@/app/_components/button";
import { FieldError, inputClasses } from "@/app/_components/form-field";
import { trpc } from "@/app/_trpc/client";
import type { DbConnection } from "@/server/connections/schema";

type Props = {
  connection: DbConnection | undefined;
  mode: "all" | "chosen";
  onModeChange: (mode: "all" | "chosen") => void;
  chosen: string[];
  onChosenChange: (ids: string[]) => void;
  error: string | undefined;
};

/** "All N of this connection", or a searchable checklist of its golden records. */
export function GoldenRecordsChoice({ connection, mode, onModeChange, chosen, onChosenChange, error }: Props) {
  const errorId = useId();
  const count = connection?.golden_record_count;
  return (
    <fieldset className="min-w-0 space-y-2" aria-describedby={error ? errorId : undefined}>
      <legend className="text-sm font-medium text-slate-800">Golden records</legend>
      <div className="flex flex-wrap gap-x-5 gap-y-1.5 text-sm text-slate-800">
        <label className="flex cursor-pointer items-center gap-2">
          <input
            type="radio"
            name="golden-records-mode"
            checked={mode === "all"}
            onChange={() => onModeChange("all")}
            className="accent-blue-600"
          />
          {count === undefined ? "All of the connection’s" : `All ${count.toLocaleString("en-US")} of this connection`}
        </label>
        <label className="flex cursor-pointer items-center gap-2">
          <input
            type="radio"
            name="golden-records-mode"
            checked={mode === "chosen"}
            onChange={() => onModeChange("chosen")}
            className="accent-blue-600"
          />
          Choose records
        </label>
      </div>
      {mode === "chosen" ? (
        connection ? (
          <Checklist connectionId={connection.id} chosen={chosen} onChange={onChosenChange} />
        ) : (
          <p className="text-xs text-slate-500">Choose a database connection first.</p>
        )
      ) : null}
      {error ? <FieldError id={errorId}>{error}</FieldError> : null}
    </fieldset>
  );
}

function Checklist({ connectionId, chosen, onChange }: { connectionId: string; chosen: string[]; onChange: (ids: string[]) => void }) {
  const searchId = useId();
  const [search, setSearch] = useState("");
  const records = trpc.goldenRecord.list.useInfiniteQuery(
    { db_connection_id: connectionId, limit: 500 },
    { getNextPageParam: (page) => page.next_cursor },
  );
  const all = useMemo(() => records.data?.pages.flatMap((page) => page.items) ?? [], [records.data]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? all.filter((r) => r.question.toLowerCase().includes(needle) || r.sql.toLowerCase().includes(needle)) : all;
  }, [all, search]);
  const selected = useMemo(() => new Set(chosen), [chosen]);

  const toggle = (id: string, on: boolean) => onChange(on ? [...chosen, id] : chosen.filter((c) => c !== id));
  const chooseShown = () => onChange([...new Set([...chosen, ...shown.map((r) => r.id)])]);

  if (records.isPending) {
    return (
      <p role="status" className="flex items-center gap-2 text-xs text-slate-500">
        <LoaderCircle aria-hidden className="size-3.5 animate-spin" /> Loading golden records…
      </p>
    );
  }
  if (records.isError) return <FieldError>Could not load the golden records: {records.error.message}</FieldError>;

  return (
    <div className="space-y-2 rounded-lg border border-slate-200 p-3">
      <div className="flex flex-wrap items-center gap-2">
        <div className="relative min-w-48 flex-1">
          <label htmlFor={searchId} className="sr-only">
            Search golden records
          </label>
          <Search aria-hidden className="pointer-events-none absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-slate-400" />
          <input
            id={searchId}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Search questions and SQL"
            className={`${inputClasses} h-8 pl-8`}
          />
        </div>
        <Button size="sm" onClick={chooseShown} disabled={shown.length === 0}>
          Select all shown
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onChange([])} disabled={chosen.length === 0}>
          Clear
        </Button>
      </div>
      <ul
        aria-label="Golden records to train on"
        className="max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-md border border-slate-100"
      >
        {shown.map((record) => (
          <li key={record.id}>
            <label className="flex cursor-pointer items-start gap-2.5 px-2.5 py-2 hover:bg-slate-50">
              <input
                type="checkbox"
                checked={selected.has(record.id)}
                onChange={(e) => toggle(record.id, e.target.checked)}
                className="mt-0.5 accent-blue-600"
              />
              <span className="min-w-0">
                <span className="block text-sm text-slate-800">{record.question}</span>
                <span aria-hidden className="block truncate font-mono text-xs text-slate-500">
                  {record.sql}
                </span>
              </span>
            </label>
          </li>
        ))}
        {shown.length === 0 ? (
          <li className="px-2.5 py-3 text-xs text-slate-500">
            {all.length === 0 ? "This connection has no golden records." : "No golden record matches."}
          </li>
        ) : null}
      </ul>
      <div className="flex items-center justify-between text-xs text-slate-500">
        <span role="status">
          {chosen.length.toLocaleString("en-US")} chosen of {all.length.toLocaleString("en-US")}
          {records.hasNextPage ? " loaded" : ""}
        </span>
        {records.hasNextPage ? (
          <Button size="sm" variant="ghost" onClick={() => void records.fetchNextPage()} disabled={records.isFetchingNextPage}>
            Load more
          </Button>
        ) : null}
      </div>
    </div>
  );
}
