import { clsx } from "clsx";
import type { ReactNode } from "react";
import { CopyButton } from "@/app/_components/copy-button";
import { DateTime } from "@/app/_components/date-time";
import { STATUS_LABELS } from "@/app/_components/job-status-badge";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { ProviderTag } from "../../_components/provider-marks";

export function Panel({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = `panel-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section aria-labelledby={id} className={clsx("rounded-xl border border-slate-200 bg-white shadow-xs", className)}>
      <h2 id={id} className="border-b border-slate-100 px-5 py-3 text-sm font-semibold text-slate-900">
        {title}
      </h2>
      <div className="px-5 py-4">{children}</div>
    </section>
  );
}

const none = <span className="text-slate-500">—</span>;

function Field({ label, children, mono, wide }: { label: string; children: ReactNode; mono?: boolean; wide?: boolean }) {
  return (
    <div className={clsx("min-w-0", wide && "sm:col-span-2")}>
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className={clsx("mt-1 text-sm break-all text-slate-900", mono && "font-mono text-[13px]")}>{children ?? none}</dd>
    </div>
  );
}

function Parameter({ value, fallback }: { value: string | number | undefined; fallback: string }) {
  if (value !== undefined) return <>{String(value)}</>;
  return <span className="text-slate-500">{fallback} (default)</span>;
}

const time = (iso: string | null) => (iso ? <DateTime iso={iso} seconds /> : null);

/** Every field of the contract's job, grouped the way an operator reads them. */
export function JobFields({ job, connectionAlias }: { job: FinetuningJob; connectionAlias: string | null }) {
  const params = job.base_llm.model_parameters ?? {};
  return (
    <>
      <Panel title="Overview">
        <dl className="grid gap-x-6 gap-y-4 sm:grid-cols-2">
          <Field label="ID" mono>
            {job.id}
          </Field>
          <Field label="Alias">{job.alias}</Field>
          <Field label="Status">{STATUS_LABELS[job.status]}</Field>
          <Field label="Database connection">
            {connectionAlias ?? job.db_connection_id}
            {connectionAlias ? <span className="block font-mono text-xs text-slate-500">{job.db_connection_id}</span> : null}
          </Field>
          <Field label="Error" wide>
            {job.error}
          </Field>
          <Field label="Created">{time(job.created_at)}</Field>
          <Field label="Updated">{time(job.updated_at)}</Field>
          <Field label="Finished">{time(job.finished_at)}</Field>
          <Field label="Cancelled">{time(job.cancelled_at)}</Field>
        </dl>
      </Panel>
      <Panel title="Training">
        <dl className="grid gap-x-6 gap-y-4 sm:grid-cols-3">
          <Field label="Base model" mono wide>
            {job.base_llm.model_provider}/{job.base_llm.model_name}
          </Field>
          <Field label="Provider">
            <ProviderTag job={job} />
            {job.provider_status ? <span className="ml-2 font-mono text-xs text-slate-500">{job.provider_status}</span> : null}
          </Field>
          <Field label="Golden records">{job.golden_records.length.toLocaleString("en-US")}</Field>
          <Field label="Epochs">
            <Parameter value={params.n_epochs} fallback="3" />
          </Field>
          <Field label="Batch size">
            <Parameter value={params.batch_size} fallback="1" />
          </Field>
          <Field label="Learning rate multiplier">
            <Parameter value={params.learning_rate_multiplier} fallback="auto" />
          </Field>
          <Field label="Provider file ID" mono>
            {job.finetuning_file_id}
          </Field>
          <Field label="Provider job ID" mono wide>
            {job.finetuning_job_id}
          </Field>
          <div className="min-w-0 sm:col-span-3">
            <dt className="text-xs font-medium text-slate-500">Model ID</dt>
            <dd className="mt-1 flex items-center gap-2">
              {job.model_id ? (
                <>
                  <code className="min-w-0 rounded-md bg-slate-50 px-2 py-1 font-mono text-[13px] break-all text-slate-900 ring-1 ring-slate-200">
                    {job.model_id}
                  </code>
                  <CopyButton value={job.model_id} what="model ID" />
                </>
              ) : (
                <span className="text-sm text-slate-500">{job.status === "succeeded" ? "—" : "Available once training succeeds"}</span>
              )}
            </dd>
          </div>
        </dl>
      </Panel>
    </>
  );
}

export function MetadataTable({ metadata }: { metadata: FinetuningJob["metadata"] }) {
  const entries = Object.entries(metadata ?? {});
  return (
    <Panel title="Metadata">
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500">No metadata.</p>
      ) : (
        <div className="-mx-5 -my-4 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Job metadata</caption>
            <thead className="border-b border-slate-100 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-5 py-2 font-medium">
                  Key
                </th>
                <th scope="col" className="px-5 py-2 font-medium">
                  Value
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {entries.map(([key, value]) => (
                <tr key={key}>
                  <th scope="row" className="px-5 py-2 align-top font-mono text-[13px] font-normal whitespace-nowrap text-slate-700">
                    {key}
                  </th>
                  <td className="px-5 py-2 break-all text-slate-900">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
