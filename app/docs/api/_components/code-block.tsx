/**
 * A titled, scrollable block of code (no highlighting: nothing to download).
 * The block takes keyboard focus, so a long line can be scrolled with the arrow keys.
 */
export function CodeBlock({ title, code }: { title: string; code: string }) {
  return (
    <figure className="mt-3 overflow-hidden rounded-lg border border-slate-800 bg-slate-950">
      <figcaption className="border-b border-slate-800 px-3 py-1.5 text-xs font-medium text-slate-400">{title}</figcaption>
      <pre
        tabIndex={0}
        className="overflow-x-auto p-3 text-xs leading-5 text-slate-100 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-blue-400"
      >
        <code>{code}</code>
      </pre>
    </figure>
  );
}
