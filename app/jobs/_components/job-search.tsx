"use client";

import { Search } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { JOB_SEARCH_MAX_LENGTH } from "@/server/finetuning/schema";

/** How long typing pauses before the search applies (Enter applies at once). */
const TYPING_PAUSE_MS = 350;

/**
 * The jobs search box: a name (any part, any case), a job id or a provider job
 * id. `value` is the search in the URL; a change there (Back, Clear filters)
 * replaces what is typed.
 */
export function JobSearch({ value, onSearch }: { value: string | undefined; onSearch: (q: string | undefined) => void }) {
  const id = useId();
  const [text, setText] = useState(value ?? "");
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (text.trim() !== (value ?? "")) setText(value ?? "");
  }
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const apply = (next: string) => {
    clearTimeout(timer.current);
    const q = next.trim() || undefined;
    if (q !== value) onSearch(q);
  };

  return (
    <form
      role="search"
      className="relative w-full sm:w-72"
      onSubmit={(event) => {
        event.preventDefault();
        apply(text);
      }}
    >
      <label htmlFor={id} className="sr-only">
        Search jobs
      </label>
      <Search aria-hidden className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-slate-500" />
      <input
        id={id}
        type="search"
        value={text}
        maxLength={JOB_SEARCH_MAX_LENGTH}
        placeholder="Name, job id or provider job id"
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => apply(next), TYPING_PAUSE_MS);
        }}
        className="h-8 w-full rounded-md border border-slate-300 bg-white pr-2.5 pl-8 text-sm text-slate-800 shadow-xs placeholder:text-slate-500 hover:border-slate-400 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-blue-600"
      />
    </form>
  );
}
