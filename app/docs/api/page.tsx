import type { Metadata } from "next";
import { REST_BASE_PATH } from "@/server/http/rest/constants";
import { ERROR_HTTP_STATUS, type AppErrorCode } from "@/server/errors";
import { DATAHERALD_TAG } from "@/server/http/rest/openapi-shapes";
import { openApiDocument } from "@/server/openapi";
import { CodeBlock } from "./_components/code-block";
import { CANCEL_CURL, CANCEL_RESPONSE, CLIENT_EXAMPLE, DATAHERALD_SDK_EXAMPLE, ERROR_EXAMPLE, LIST_PAGING_EXAMPLE } from "./_components/examples";
import { MethodBadge, OperationCard, type Operation } from "./_components/operation-card";
import { Prose } from "./_components/prose";
import { SchemaTable } from "./_components/schema-table";
import type { JsonSchema } from "./_components/schema-rows";

export const metadata: Metadata = { title: "REST API · Fine-tuning control room" };

type Entry = { method: string; path: string; op: Operation & { tags?: string[] } };

// Public documentation, rendered from the same OpenAPI document that
// /api/openapi.json serves (built once per process).
export default function ApiReferencePage() {
  const doc = openApiDocument();
  const entries: Entry[] = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Entry["op"]>).map(([method, op]) => ({ method, path, op })),
  );
  const tags = (doc.tags ?? []).map((tag) => tag.name);
  const serverUrl = doc.servers?.[0]?.url ?? "";
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, JsonSchema>);

  return (
    <div className="mx-auto max-w-7xl px-4 py-8 sm:px-6 lg:grid lg:grid-cols-[14rem_1fr] lg:gap-10">
      <nav aria-label="API reference" className="hidden lg:block">
        <div className="sticky top-20 space-y-5 text-sm">
          <a href="#overview" className="block font-medium text-slate-900 hover:text-blue-700">Overview</a>
          {tags.map((tag) => (
            <div key={tag}>
              <p className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{tag}</p>
              <ul className="space-y-1">
                {entries.filter((e) => e.op.tags?.includes(tag)).map((e) => (
                  <li key={e.op.operationId}>
                    <a href={`#${e.op.operationId}`} className="block truncate text-slate-600 hover:text-blue-700">{e.op.summary}</a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <a href="#schemas" className="block font-medium text-slate-900 hover:text-blue-700">Schemas</a>
        </div>
      </nav>

      <main className="min-w-0">
        <header id="overview" className="scroll-mt-20">
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{doc.info.title}</h1>
          <p className="mt-1 text-sm text-slate-500">
            Version {doc.info.version} · OpenAPI {doc.openapi} ·{" "}
            <a href="/api/openapi.json" className="text-blue-700 underline underline-offset-2">openapi.json</a>
          </p>
          <div className="mt-4 max-w-3xl space-y-3 text-sm leading-6 text-slate-700">
            <p>
              Every endpoint lives under <code className="font-mono">{REST_BASE_PATH}</code>, takes and returns JSON, and needs an API key:{" "}
              <code className="font-mono">Authorization: Bearer ftcr_…</code> (or <code className="font-mono">X-API-Key: ftcr_…</code>, as
              Dataherald&apos;s clients send it). Viewers read; operators also create, cancel, update and delete. Dataherald&apos;s Python SDK
              works unchanged against the hosted paths under <a href={`#tag-${DATAHERALD_TAG}`} className="text-blue-700 underline underline-offset-2">{DATAHERALD_TAG}</a>.
            </p>
            <p>
              <strong>Lists</strong> answer a JSON array, newest first, one page at a time (<code className="font-mono">limit</code>, default 20,
              at most 100). When there is more, the <code className="font-mono">Link</code> header points at the next page (
              <code className="font-mono">rel=&quot;next&quot;</code>, RFC 8288) and <code className="font-mono">X-Next-Cursor</code> holds its{" "}
              <code className="font-mono">cursor</code>:
            </p>
          </div>
          <CodeBlock title="Paging" code={LIST_PAGING_EXAMPLE} />
          <div className="mt-4 max-w-3xl space-y-3 text-sm leading-6 text-slate-700">
            <p>
              <strong>Retries.</strong> Send an <code className="font-mono">Idempotency-Key</code> header on a POST and repeat it with the same
              body: the first response comes back (with <code className="font-mono">Idempotent-Replayed: true</code>) for 24 hours, and the
              request runs once even if the copies race. The same key with another body is a 422.
            </p>
            <p>
              <strong>Rate limits.</strong> Each key and user has a budget of requests a minute; past it, 429 with{" "}
              <code className="font-mono">Retry-After</code> in seconds.
            </p>
            <p>
              <strong>TypeScript services</strong> can skip HTTP details with the typed client (<code className="font-mono">server/client</code>):
            </p>
          </div>
          <CodeBlock title="TypeScript" code={CLIENT_EXAMPLE} />
          <ErrorsTable />
        </header>

        {tags.map((tag) => (
          <section key={tag} aria-labelledby={`tag-${tag}`} className="mt-12">
            <h2 id={`tag-${tag}`} className="mb-4 scroll-mt-20 text-lg font-semibold tracking-tight text-slate-900">{tag}</h2>
            {tag === DATAHERALD_TAG ? <CodeBlock title="Python (dataherald SDK)" code={DATAHERALD_SDK_EXAMPLE} /> : null}
            <ul className="mb-5 space-y-1 text-sm">
              {entries.filter((e) => e.op.tags?.includes(tag)).map((e) => (
                <li key={e.op.operationId} className="flex items-center gap-3">
                  <MethodBadge method={e.method} />
                  <a href={`#${e.op.operationId}`} className="font-mono text-xs text-slate-700 hover:text-blue-700">{serverUrl}{e.path}</a>
                </li>
              ))}
            </ul>
            <div className="space-y-6">
              {entries.filter((e) => e.op.tags?.includes(tag)).map((e) => (
                <OperationCard key={e.op.operationId} method={e.method} path={e.path} basePath={serverUrl} op={e.op}>
                  {e.op.operationId === "finetuning-cancel" ? (
                    <div className="mt-5">
                      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Example</h4>
                      <CodeBlock title="Request" code={CANCEL_CURL} />
                      <CodeBlock title="Response 200" code={CANCEL_RESPONSE} />
                      <CodeBlock title="Response 409" code={ERROR_EXAMPLE} />
                    </div>
                  ) : null}
                </OperationCard>
              ))}
            </div>
          </section>
        ))}

        <section id="schemas" aria-labelledby="schemas-title" className="mt-12 scroll-mt-20">
          <h2 id="schemas-title" className="mb-4 text-lg font-semibold tracking-tight text-slate-900">Schemas</h2>
          <div className="space-y-6">
            {schemas.map(([name, schema]) => (
              <div key={name} id={`schema-${name}`} className="scroll-mt-20 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
                <h3 className="mb-3 font-mono text-sm font-semibold text-slate-900">{name}</h3>
                <SchemaTable schema={schema} caption={`Fields of ${name}`} />
              </div>
            ))}
          </div>
        </section>
      </main>
    </div>
  );
}

const ERROR_MEANINGS: Partial<Record<AppErrorCode, string>> = {
  BAD_REQUEST: "Malformed input: bad JSON, a wrong type, an unknown status, oversized metadata. The message (and `field`) names the field.",
  UNAUTHORIZED: "No credentials, or a key that is not valid, expired or revoked.",
  FORBIDDEN: "Your role may not do this (viewers read only).",
  NOT_FOUND: "No such job, connection or route.",
  METHOD_NOT_ALLOWED: "The path exists, with other methods (see the `Allow` header).",
  CONFLICT: "The job's state forbids it, e.g. cancelling a job that already succeeded; or an Idempotency-Key still running.",
  PAYLOAD_TOO_LARGE: "The body is over the size limit.",
  UNSUPPORTED_MEDIA_TYPE: "The body is not `application/json`.",
  UNPROCESSABLE_CONTENT: "An Idempotency-Key reused with a different request.",
  TOO_MANY_REQUESTS: "Rate limit reached; wait `Retry-After` seconds.",
  INTERNAL_SERVER_ERROR: "Our failure; it is logged, and the message says nothing more.",
  BAD_GATEWAY: "The provider (OpenAI) could not be reached; nothing was changed. Retry.",
  SERVICE_UNAVAILABLE: "Temporarily unavailable; retry shortly.",
};

function ErrorsTable() {
  const rows = Object.entries(ERROR_HTTP_STATUS).sort(([, a], [, b]) => a - b) as [AppErrorCode, number][];
  return (
    <div className="mt-8">
      <h2 className="text-lg font-semibold tracking-tight text-slate-900">Errors</h2>
      <p className="mt-1 max-w-3xl text-sm leading-6 text-slate-600">
        <Prose text={'Every error is `{ "error": { "code": "…", "message": "…" } }` with the status of its code. The code is stable; the message is for people.'} />
      </p>
      <div className="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full min-w-[36rem] text-left text-sm">
          <caption className="sr-only">Error codes and their HTTP statuses</caption>
          <thead className="bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Status</th>
              <th scope="col" className="px-3 py-2">Code</th>
              <th scope="col" className="px-3 py-2">When</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map(([code, status]) => (
              <tr key={code} className="align-top">
                <td className="px-3 py-2 font-mono text-xs">{status}</td>
                <th scope="row" className="px-3 py-2 font-normal"><code className="font-mono text-xs font-medium text-slate-900">{code}</code></th>
                <td className="px-3 py-2 text-slate-600"><Prose text={ERROR_MEANINGS[code] ?? ""} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
