import { Prose } from "./prose";
import { schemaRows, typeLabel, type JsonSchema } from "./schema-rows";

/** A type, with component names linked to their section below. */
export function TypeText({ type, refs }: { type: string; refs: string[] }) {
  if (refs.length === 0) return <code className="font-mono text-xs text-slate-700">{type}</code>;
  const parts = type.split(/(\b[A-Z][A-Za-z]+\b)/);
  return (
    <code className="font-mono text-xs text-slate-700">
      {parts.map((part, i) =>
        refs.includes(part) ? (
          <a key={i} href={`#schema-${part}`} className="text-blue-700 underline decoration-blue-300 underline-offset-2 hover:decoration-blue-700">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </code>
  );
}

/** The fields of an object schema as a table; anything else as its type. */
export function SchemaTable({ schema, caption }: { schema: JsonSchema; caption: string }) {
  const rows = schemaRows(schema);
  if (rows.length === 0) {
    return (
      <p className="text-sm text-slate-600">
        <span className="sr-only">{caption}: </span>
        <TypeText type={typeLabel(schema)} refs={schema.$ref ? [typeLabel(schema)] : schemaRefs(schema)} />
      </p>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[36rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-3 py-2">Field</th>
            <th scope="col" className="px-3 py-2">Type</th>
            <th scope="col" className="px-3 py-2">Notes</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.name} className="align-top">
              <th scope="row" className="whitespace-nowrap px-3 py-2 font-normal" style={{ paddingLeft: `${0.75 + row.depth * 1.25}rem` }}>
                <code className="font-mono text-xs font-medium text-slate-900">{row.name.split(".").at(-1)}</code>
                {row.required ? <span className="ml-1.5 text-xs text-red-600">required</span> : null}
              </th>
              <td className="px-3 py-2">
                <TypeText type={row.type} refs={row.refs} />
              </td>
              <td className="px-3 py-2 text-xs text-slate-600">
                <Prose text={[row.description, ...row.notes].filter(Boolean).join(" · ")} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function schemaRefs(schema: JsonSchema): string[] {
  return [schema.items, ...(schema.anyOf ?? [])].flatMap((s) => (s?.$ref ? [s.$ref.split("/").at(-1) ?? ""] : []));
}
