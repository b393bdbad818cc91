"use client";

import { useId } from "react";
import { GUARDRAIL_ACTIONS, type GuardrailAction, type Guardrails } from "@/server/guardrails/schema";

// The guardrails as form fields: an empty limit is no guardrail. Times are
// entered in minutes and stored in seconds (the API's unit). Laid out as a
// form: labels in one column, each input with its unit and action beside it
// (a phone stacks the label above them).

type LimitKey = "max_cost_usd" | "max_runtime_seconds" | "max_queue_time_seconds" | "stall_after_seconds";
const LIMITS: { key: LimitKey; label: string; unit: string; scale: number; step: string }[] = [
  { key: "max_cost_usd", label: "Max cost", unit: "USD", scale: 1, step: "0.01" },
  { key: "max_runtime_seconds", label: "Max runtime (from running)", unit: "min", scale: 60, step: "any" },
  { key: "max_queue_time_seconds", label: "Max queue time", unit: "min", scale: 60, step: "any" },
  { key: "stall_after_seconds", label: "Stalled after (no new step)", unit: "min", scale: 60, step: "any" },
];

function ActionSelect({ label, value, onChange }: { label: string; value: GuardrailAction; onChange: (a: GuardrailAction) => void }) {
  return (
    <select
      aria-label={`${label}: action`}
      className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm disabled:bg-slate-50 disabled:text-slate-500"
      value={value}
      onChange={(e) => onChange(e.target.value as GuardrailAction)}
    >
      {GUARDRAIL_ACTIONS.map((a) => (
        <option key={a} value={a}>
          {a}
        </option>
      ))}
    </select>
  );
}

const toNumber = (text: string) => (text.trim() === "" || !Number.isFinite(Number(text)) ? null : Number(text));

export function GuardrailsFields({
  value,
  onChange,
  disabled,
}: {
  value: Guardrails;
  onChange: (g: Guardrails) => void;
  disabled?: boolean;
}) {
  const id = useId();
  const input = "h-8 rounded-md border border-slate-300 px-2 text-sm tabular-nums disabled:bg-slate-50 disabled:text-slate-500";
  return (
    <fieldset
      disabled={disabled}
      className="grid grid-cols-1 items-center gap-x-4 gap-y-1 text-sm sm:grid-cols-[minmax(0,15rem)_1fr] sm:gap-y-2"
    >
      {LIMITS.map(({ key, label, unit, scale, step }) => {
        const rule = value[key];
        const shown = rule ? String(Math.round((rule.limit / scale) * 100) / 100) : "";
        return (
          <div key={key} className="contents">
            <label htmlFor={`${id}-${key}`} className="pt-2 text-slate-700 sm:pt-0">
              {label}
            </label>
            <div className="flex items-center gap-2">
              <input
                id={`${id}-${key}`}
                type="number"
                min="0"
                step={step}
                className={`${input} w-24`}
                defaultValue={shown}
                onChange={(e) => {
                  const n = toNumber(e.target.value);
                  const limit = n === null || n <= 0 ? null : scale === 1 ? n : Math.max(1, Math.round(n * scale));
                  onChange({ ...value, [key]: limit === null ? null : { limit, action: rule?.action ?? "cancel" } });
                }}
              />
              <span className="w-8 text-xs text-slate-500">{unit}</span>
              {rule ? (
                <ActionSelect label={label} value={rule.action} onChange={(action) => onChange({ ...value, [key]: { ...rule, action } })} />
              ) : null}
            </div>
          </div>
        );
      })}
      <label className="flex items-start gap-2 pt-2 text-slate-700 sm:col-span-2">
        <input
          type="checkbox"
          className="mt-0.5 size-4 shrink-0"
          checked={Boolean(value.divergence)}
          onChange={(e) => onChange({ ...value, divergence: e.target.checked ? { factor: 2, window: 20, action: "cancel" } : null })}
        />
        Divergence (NaN, or loss above factor × its minimum for a window of steps)
      </label>
      {value.divergence ? (
        <>
          <label htmlFor={`${id}-factor`} className="pt-2 text-slate-700 sm:pt-0 sm:pl-6">
            Factor
          </label>
          <div className="flex items-center gap-2">
            <input
              id={`${id}-factor`}
              aria-label="Divergence factor"
              type="number"
              min="1.01"
              step="0.1"
              className={`${input} w-24`}
              defaultValue={value.divergence.factor}
              onChange={(e) => {
                const n = toNumber(e.target.value);
                if (n !== null && n > 1 && value.divergence) onChange({ ...value, divergence: { ...value.divergence, factor: n } });
              }}
            />
            <span className="w-8 text-xs text-slate-500">×</span>
            <ActionSelect
              label="Divergence"
              value={value.divergence.action}
              onChange={(action) => value.divergence && onChange({ ...value, divergence: { ...value.divergence, action } })}
            />
          </div>
          <label htmlFor={`${id}-window`} className="pt-2 text-slate-700 sm:pt-0 sm:pl-6">
            Window
          </label>
          <div className="flex items-center gap-2">
            <input
              id={`${id}-window`}
              aria-label="Divergence window (steps)"
              type="number"
              min="1"
              step="1"
              className={`${input} w-24`}
              defaultValue={value.divergence.window}
              onChange={(e) => {
                const n = toNumber(e.target.value);
                if (n !== null && Number.isInteger(n) && n >= 1 && value.divergence)
                  onChange({ ...value, divergence: { ...value.divergence, window: n } });
              }}
            />
            <span className="text-xs text-slate-500">steps</span>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}
