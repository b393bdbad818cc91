import type { ReactNode } from "react";
import { requireAdmin } from "@/server/auth/session";
import { SettingsNav } from "./_components/settings-nav";

/** Admin-only settings: a side navigation of sections (users, API keys, …) and the section's page. */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  await requireAdmin("/settings");
  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      <h1 className="mb-6 text-xl font-semibold tracking-tight text-slate-900">Settings</h1>
      <div className="flex flex-col gap-6 md:flex-row">
        <aside className="md:w-48 md:shrink-0">
          <SettingsNav />
        </aside>
        <div className="min-w-0 flex-1">{children}</div>
      </div>
    </main>
  );
}
