"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/app/_components/button";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";

const numbers = (text: string) =>
  text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);

const field = "w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";

/** A sweep over a grid of learning-rate multipliers and epochs, with early stopping. */
export function CreateSweepForm({ connections }: { connections: Array<{ id: string; alias: string }> }) {
  const router = useRouter();
  const create = trpc.sweep.create.useMutation({ onSuccess: (sweep) => router.push(`/sweeps/${sweep.id}`) });
  const [form, setForm] = useState({
    name: "lr-search",
    connection: connections[0]?.id ?? "",
    lrs: "0.1, 0.5, 2, 8",
    epochs: "1, 2",
    maxConcurrent: "4",
    budget: "",
    policy: "asha" as "asha" | "median" | "none",
    minSteps: "4",
    reduction: "2",
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      name: form.name,
      db_connection_id: form.connection,
      grid: { learning_rate_multiplier: numbers(form.lrs), n_epochs: numbers(form.epochs) },
      max_concurrent: Number(form.maxConcurrent),
      max_cost_usd: form.budget ? Number(form.budget) : null,
      early_stopping: {
        policy: form.policy,
        metric: "valid_loss",
        min_steps: Number(form.minSteps),
        reduction_factor: Number(form.reduction),
      },
    });
  };
  return (
    <form onSubmit={submit} aria-label="New sweep" className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3">
      <label className="text-sm">
        Name
        <input className={field} value={form.name} onChange={set("name")} required />
      </label>
      <label className="text-sm">
        Connection
        <select className={field} value={form.connection} onChange={set("connection")}>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.alias}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        Learning-rate multipliers
        <input className={field} value={form.lrs} onChange={set("lrs")} />
      </label>
      <label className="text-sm">
        Epochs
        <input className={field} value={form.epochs} onChange={set("epochs")} />
      </label>
      <label className="text-sm">
        Max concurrent
        <input className={field} type="number" min={1} max={32} value={form.maxConcurrent} onChange={set("maxConcurrent")} />
      </label>
      <label className="text-sm">
        Budget (USD, optional)
        <input className={field} type="number" min={0} step="any" value={form.budget} onChange={set("budget")} />
      </label>
      <label className="text-sm">
        Early stopping
        <select className={field} value={form.policy} onChange={set("policy")}>
          <option value="asha">ASHA (successive halving)</option>
          <option value="median">Median rule</option>
          <option value="none">None</option>
        </select>
      </label>
      <label className="text-sm">
        Min steps
        <input className={field} type="number" min={1} value={form.minSteps} onChange={set("minSteps")} />
      </label>
      <label className="text-sm">
        Reduction factor
        <input className={field} type="number" min={1.5} step="any" value={form.reduction} onChange={set("reduction")} />
      </label>
      <div className="sm:col-span-3">
        {create.error ? <ErrorCallout title="The sweep was not created">{create.error.message}</ErrorCallout> : null}
        <Button type="submit" variant="primary" disabled={create.isPending || !form.connection}>
          Start sweep
        </Button>
      </div>
    </form>
  );
}
