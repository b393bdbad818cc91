"use client";

import { GUARDRAIL_ACTIONS, type GuardrailAction, type Guardrails } from "@/server/guardrails/schema";

// The guardrails as form fields: an empty limit is no guardrail. Times are
// entered in minutes and stored in seconds (the API's unit).

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
      className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm"
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
  return (
    <fieldset disabled={disabled} className="space-y-2">
      {LIMITS.map(({ key, label, unit, scale, step }) => {
        const rule = value[key];
        const shown = rule ? String(Math.round((rule.limit / scale) * 100) / 100) : "";
        return (
          <div key={key} className="flex flex-wrap items-center gap-2 text-sm">
            <label className="w-56 text-slate-700">
              {label}
              <input
                aria-label={label}
                type="number"
                min="0"
                step={step}
                className="ml-2 h-8 w-24 rounded-md border border-slate-300 px-2"
                defaultValue={shown}
                onChange={(e) => {
                  const n = toNumber(e.target.value);
                  const limit = n === null || n <= 0 ? null : scale === 1 ? n : Math.max(1, Math.round(n * scale));
                  onChange({ ...value, [key]: limit === null ? null : { limit, action: rule?.action ?? "cancel" } });
                }}
              />
            </label>
            <span className="w-8 text-xs text-slate-500">{unit}</span>
            {rule ? (
              <ActionSelect label={label} value={rule.action} onChange={(action) => onChange({ ...value, [key]: { ...rule, action } })} />
            ) : null}
          </div>
        );
      })}
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex items-center gap-2 text-slate-700">
          <input
            type="checkbox"
            checked={Boolean(value.divergence)}
            onChange={(e) => onChange({ ...value, divergence: e.target.checked ? { factor: 2, window: 20, action: "cancel" } : null })}
          />
          Divergence (NaN, or loss above factor × its minimum for a window of steps)
        </label>
        {value.divergence ? (
          <>
            <input
              aria-label="Divergence factor"
              type="number"
              min="1.01"
              step="0.1"
              className="h-8 w-20 rounded-md border border-slate-300 px-2"
              defaultValue={value.divergence.factor}
              onChange={(e) => {
                const n = toNumber(e.target.value);
                if (n !== null && n > 1 && value.divergence) onChange({ ...value, divergence: { ...value.divergence, factor: n } });
              }}
            />
            <input
              aria-label="Divergence window (steps)"
              type="number"
              min="1"
              step="1"
              className="h-8 w-20 rounded-md border border-slate-300 px-2"
              defaultValue={value.divergence.window}
              onChange={(e) => {
                const n = toNumber(e.target.value);
                if (n !== null && Number.isInteger(n) && n >= 1 && value.divergence)
                  onChange({ ...value, divergence: { ...value.divergence, window: n } });
              }}
            />
            <ActionSelect
              label="Divergence"
              value={value.divergence.action}
              onChange={(action) => value.divergence && onChange({ ...value, divergence: { ...value.divergence, action } })}
            />
          </>
        ) : null}
      </div>
    </fieldset>
  );
}
