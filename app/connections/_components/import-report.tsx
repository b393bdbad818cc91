import { CircleAlert, CircleCheck } from "lucide-react";
import type { ImportReport } from "@/server/golden-records/import-schema";

const SHOWN = 500;

/** "N imported, M rejected", then each rejected line and why. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const { created, rejected } = report;
  const shown = rejected.slice(0, SHOWN);
  return (
    <section aria-label="Import report" className="space-y-4">
      <p role="status" className="flex items-center gap-2 text-sm font-medium text-slate-900">
        {rejected.length === 0 ? (
          <CircleCheck aria-hidden className="size-5 text-emerald-600" />
        ) : (
          <CircleAlert aria-hidden className="size-5 text-amber-600" />
        )}
        {created.toLocaleString("en-US")} imported, {rejected.length.toLocaleString("en-US")} rejected
      </p>
      {created === 0 && rejected.length > 0 ? (
        <p className="text-sm text-slate-600">No line was valid, so nothing was imported. Fix the lines below and try again.</p>
      ) : null}
      {rejected.length > 0 ? (
        <div className="max-h-72 overflow-auto rounded-lg border border-slate-200">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Rejected lines</caption>
            <thead className="sticky top-0 border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
              <tr>
                <th scope="col" className="w-20 px-3 py-2 font-medium">
                  Line
                </th>
                <th scope="col" className="px-3 py-2 font-medium">
                  Reason
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {shown.map((r) => (
                <tr key={r.line}>
                  <td className="px-3 py-2 font-mono text-xs text-slate-700 tabular-nums">{r.line}</td>
                  <td className="px-3 py-2 text-slate-700">{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rejected.length > SHOWN ? (
            <p className="border-t border-slate-200 px-3 py-2 text-xs text-slate-500">
              …and {(rejected.length - SHOWN).toLocaleString("en-US")} more rejected lines.
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
