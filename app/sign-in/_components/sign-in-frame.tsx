import type { ReactNode } from "react";

/** The signed-out pages' frame: an icon, a title and a line of why over a centred card; `footer` goes under the card. */
export function SignInFrame({
  icon,
  title,
  description,
  footer,
  children,
}: {
  icon: ReactNode;
  title: string;
  description: ReactNode;
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <span className="grid size-10 place-items-center rounded-lg bg-slate-900 text-white shadow-sm">{icon}</span>
          <div>
            <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
            <p className="mt-1 text-sm text-slate-500">{description}</p>
          </div>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">{children}</div>
        {footer}
      </div>
    </main>
  );
}
