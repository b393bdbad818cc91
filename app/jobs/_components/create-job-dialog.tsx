"use client";

import { ChevronDown } from "lucide-react";
import Link from "next/link";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { toast } from "sonner";
import { DialogActions, DialogContent, DialogRoot, NewThingTrigger } from "@/app/_components/dialog";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { PROVIDER_CAPABILITIES, PROVIDER_NAMES } from "@/server/finetuning/schema";
import { GoldenRecordsChoice } from "./create-job-golden-records";
import { checkJobForm, EMPTY_JOB_FORM, withProvider, type JobForm, type JobFormErrors, type JobFormField } from "./create-job-form";
import { MetadataRows } from "./create-job-metadata";
import { GuardrailsFields } from "./guardrails-fields";
import type { Guardrails } from "@/server/guardrails/schema";

// Server errors name the API field; this says which form field shows them.
const FIELD_OF: Record<string, JobFormField> = {
  db_connection_id: "connection",
  alias: "alias",
  golden_records: "goldenRecords",
  metadata: "metadata",
};

/** "New job": a fine-tuning job on a connection's golden records; the jobs table shows it once created. Operators only: the page decides. */
export function CreateJobDialog() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<JobForm>(EMPTY_JOB_FORM);
  const [submitted, setSubmitted] = useState(false);
  // null: the connection's default guardrails.
  const [guardrails, setGuardrails] = useState<Guardrails | null>(null);
  const ids = {
    connection: useId(),
    alias: useId(),
    provider: useId(),
    model: useId(),
    epochs: useId(),
    batchSize: useId(),
    learningRate: useId(),
  };
  const utils = trpc.useUtils();
  const connections = trpc.dbConnection.list.useQuery(undefined, { enabled: open });
  const connection = connections.data?.find((c) => c.id === form.connectionId);
  const create = trpc.finetuning.create.useMutation({
    onSuccess: async (job) => {
      toast.success(`Created ${job.alias ?? "a new job"}`, { description: "It is queued and will start shortly." });
      openChange(false);
      await utils.finetuning.list.invalidate();
    },
  });

  const errors: JobFormErrors = submitted ? checkJobForm(form, connection).errors : {};
  const serverField = create.error?.data?.field ? FIELD_OF[create.error.data.field.split(".")[0] ?? ""] : undefined;
  if (serverField && create.error) errors[serverField] ??= create.error.message.replace(/^[\w.]+: /, "");

  const change = (patch: Partial<JobForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    if (create.error) create.reset();
  };
  function openChange(next: boolean) {
    setOpen(next);
    if (next) return;
    setForm(EMPTY_JOB_FORM);
    setSubmitted(false);
    create.reset();
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const { input } = checkJobForm(form, connection);
    if (input) create.mutate(guardrails ? { ...input, guardrails } : input);
  };

  return (
    <DialogRoot open={open} onOpenChange={openChange}>
      <NewThingTrigger>New job</NewThingTrigger>
      <DialogContent title="New fine-tuning job" description="Train a model on a connection’s golden question/SQL pairs." wide>
        <form onSubmit={submit} noValidate className="space-y-5">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              id={ids.connection}
              label="Database connection"
              error={errors.connection}
              hint={connectionHint(connection, connections.data?.length)}
            >
              <NativeSelect
                id={ids.connection}
                value={form.connectionId}
                onChange={(v) => change({ connectionId: v, chosen: [] })}
                error={errors.connection}
                hint
              >
                <option value="">Choose a connection…</option>
                {connections.data?.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.alias}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <Field id={ids.alias} label="Name" optional error={errors.alias}>
              <input
                id={ids.alias}
                value={form.alias}
                onChange={(e) => change({ alias: e.target.value })}
                autoComplete="off"
                placeholder="e.g. retail-sql-v4"
                className={`${inputClasses} h-9`}
                {...fieldAria(ids.alias, { error: errors.alias })}
              />
            </Field>
          </div>
          <Field id={ids.provider} label="Provider">
            <NativeSelect
              id={ids.provider}
              value={form.provider}
              onChange={(v) => setForm((f) => withProvider(f, PROVIDER_NAMES.find((p) => p === v) ?? "openai"))}
            >
              {PROVIDER_NAMES.map((p) => (
                <option key={p} value={p}>
                  {PROVIDER_CAPABILITIES[p].label}
                  {PROVIDER_CAPABILITIES[p].pauseResume ? "" : " (no pause)"}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field id={ids.model} label="Base model" error={errors.model}>
            <NativeSelect id={ids.model} value={form.model} onChange={(v) => change({ model: v })} error={errors.model}>
              {PROVIDER_CAPABILITIES[form.provider].models.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <fieldset className="min-w-0 space-y-2">
            <legend className="text-sm font-medium text-slate-800">
              Hyperparameters <span className="font-normal text-slate-500">(blank means the default)</span>
            </legend>
            <div className="grid gap-4 sm:grid-cols-3">
              <NumberField
                id={ids.epochs}
                label="Epochs"
                placeholder="3"
                value={form.epochs}
                onChange={(v) => change({ epochs: v })}
                error={errors.epochs}
              />
              <NumberField
                id={ids.batchSize}
                label="Batch size"
                placeholder="1"
                value={form.batchSize}
                onChange={(v) => change({ batchSize: v })}
                error={errors.batchSize}
              />
              <NumberField
                id={ids.learningRate}
                label={form.provider === "together" ? "Learning rate" : "Learning rate multiplier"}
                placeholder={form.provider === "together" ? "0.00001" : "auto"}
                decimal
                value={form.learningRate}
                onChange={(v) => change({ learningRate: v })}
                error={errors.learningRate}
              />
            </div>
            {form.provider === "together" ? (
              <label className="flex items-center gap-2 text-sm text-slate-800">
                <input type="checkbox" checked={form.lora} onChange={(e) => change({ lora: e.target.checked })} />
                LoRA (off: full training)
              </label>
            ) : null}
          </fieldset>
          <GoldenRecordsChoice
            connection={connection}
            mode={form.recordsMode}
            onModeChange={(recordsMode) => change({ recordsMode })}
            chosen={form.chosen}
            onChosenChange={(chosen) => change({ chosen })}
            error={errors.goldenRecords}
          />
          <MetadataRows rows={form.metadata} onChange={(metadata) => change({ metadata })} error={errors.metadata} />
          <div className="space-y-2">
            <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
              <input type="checkbox" checked={guardrails !== null} onChange={(e) => setGuardrails(e.target.checked ? {} : null)} />
              Guardrails for this job (otherwise the database&apos;s defaults)
            </label>
            {guardrails ? <GuardrailsFields value={guardrails} onChange={setGuardrails} /> : null}
          </div>
          {create.error && !serverField ? <ErrorCallout title="Could not create the job">{create.error.message}</ErrorCallout> : null}
          <DialogActions pending={create.isPending} divided>
            Create job
          </DialogActions>
        </form>
      </DialogContent>
    </DialogRoot>
  );
}

function connectionHint(
  connection: { dialect: string; golden_record_count: number } | undefined,
  available: number | undefined,
): ReactNode {
  if (available === undefined) return "Loading connections…";
  if (available === 0)
    return (
      <>
        No connection yet?{" "}
        <Link href="/connections" className="underline hover:text-slate-700">
          Add one
        </Link>
        .
      </>
    );
  if (!connection) return "The database the model will write SQL for.";
  return `${connection.dialect} · ${connection.golden_record_count.toLocaleString("en-US")} golden records`;
}

function NativeSelect({
  id,
  value,
  onChange,
  error,
  hint,
  children,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="relative">
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={`${inputClasses} h-9 cursor-pointer appearance-none pr-8`}
        {...fieldAria(id, { hint, error })}
      >
        {children}
      </select>
      <ChevronDown aria-hidden className="pointer-events-none absolute top-1/2 right-2 size-4 -translate-y-1/2 text-slate-400" />
    </div>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  decimal?: boolean;
}) {
  const { id, label, placeholder, value, onChange, error, decimal } = props;
  return (
    <Field id={id} label={label} error={error}>
      <input
        id={id}
        inputMode={decimal ? "decimal" : "numeric"}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        autoComplete="off"
        className={`${inputClasses} h-9`}
        {...fieldAria(id, { error })}
      />
    </Field>
  );
}
