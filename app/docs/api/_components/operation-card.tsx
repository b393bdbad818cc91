import { clsx } from "clsx";
import type { ReactNode } from "react";
import { Prose } from "./prose";
import { SchemaTable, TypeText } from "./schema-table";
import { typeLabel, refsOf, type JsonSchema } from "./schema-rows";

export type Parameter = { name: string; in: string; required?: boolean; description?: string; schema: JsonSchema };
export type Response = { description: string; content?: Record<string, { schema: JsonSchema }> };
export type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
};

const METHOD_STYLES: Record<string, string> = {
  get: "bg-sky-50 text-sky-700 ring-sky-200",
  post: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  put: "bg-amber-50 text-amber-800 ring-amber-200",
  delete: "bg-red-50 text-red-700 ring-red-200",
};

export function MethodBadge({ method }: { method: string }) {
  return (
    <span className={clsx("inline-block w-16 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold uppercase ring-1 ring-inset", METHOD_STYLES[method])}>
      {method}
    </span>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mt-5">
      <h4 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      {children}
    </div>
  );
}

export function OperationCard({ method, path, basePath, op, children }: { method: string; path: string; basePath: string; op: Operation; children?: ReactNode }) {
  const parameters = op.parameters ?? [];
  const body = op.requestBody?.content["application/json"]?.schema;
  const statuses = Object.entries(op.responses);
  const [success] = statuses.filter(([status]) => status.startsWith("2"));
  const errors = statuses.filter(([status]) => !status.startsWith("2"));
  const successSchema = success?.[1].content?.["application/json"]?.schema;
  return (
    <article id={op.operationId} aria-labelledby={`${op.operationId}-title`} className="scroll-mt-20 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <div className="flex flex-wrap items-center gap-3">
        <MethodBadge method={method} />
        <code className="break-all font-mono text-sm text-slate-900">
          {basePath}
          {path}
        </code>
      </div>
      <h3 id={`${op.operationId}-title`} className="mt-3 text-base font-semibold text-slate-900">
        {op.summary}
      </h3>
      {op.description ? (
        <p className="mt-1 max-w-3xl text-sm leading-6 text-slate-600">
          <Prose text={op.description} />
        </p>
      ) : null}

      {parameters.length > 0 ? (
        <Section title="Parameters">
          <div className="overflow-x-auto rounded-lg border border-slate-200">
            <table className="w-full min-w-[36rem] text-left text-sm">
              <caption className="sr-only">Parameters of {op.summary}</caption>
              <thead className="bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-3 py-2">Name</th>
                  <th scope="col" className="px-3 py-2">In</th>
                  <th scope="col" className="px-3 py-2">Type</th>
                  <th scope="col" className="px-3 py-2">Notes</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {parameters.map((p) => (
                  <tr key={`${p.in}-${p.name}`} className="align-top">
                    <th scope="row" className="whitespace-nowrap px-3 py-2 font-normal">
                      <code className="font-mono text-xs font-medium text-slate-900">{p.name}</code>
                      {p.required ? <span className="ml-1.5 text-xs text-red-600">required</span> : null}
                    </th>
                    <td className="px-3 py-2 text-xs text-slate-600">{p.in}</td>
                    <td className="px-3 py-2">
                      <TypeText type={typeLabel(p.schema)} refs={refsOf(p.schema)} />
                    </td>
                    <td className="px-3 py-2 text-xs text-slate-600">{p.description ?? (p.schema.default !== undefined ? `default ${JSON.stringify(p.schema.default)}` : "")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      ) : null}

      {body ? (
        <Section title={`Request body (application/json${op.requestBody?.required ? "" : ", optional"})`}>
          <SchemaTable schema={body} caption={`Request body of ${op.summary}`} />
        </Section>
      ) : null}

      {success ? (
        <Section title={`Response ${success[0]}`}>
          {successSchema ? <SchemaTable schema={successSchema} caption={`Response of ${op.summary}`} /> : null}
        </Section>
      ) : null}

      <Section title="Errors">
        <ul className="grid gap-1 text-sm sm:grid-cols-2">
          {errors.map(([status, response]) => (
            <li key={status} className="flex gap-2">
              <span className="w-10 shrink-0 font-mono text-xs font-semibold leading-5 text-slate-900">{status}</span>
              <span className="text-slate-600">
                <Prose text={response.description} />
              </span>
            </li>
          ))}
        </ul>
      </Section>
      {children}
    </article>
  );
}
