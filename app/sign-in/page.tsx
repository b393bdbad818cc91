import { Gauge } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionUser, safeReturnPath } from "@/server/auth/session";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in · Fine-tuning control room" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  if (await getSessionUser()) redirect(returnTo);
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <span className="grid size-10 place-items-center rounded-lg bg-slate-900 text-white shadow-sm">
            <Gauge aria-hidden className="size-5" />
          </span>
          <div>
            <h1 className="text-lg font-semibold tracking-tight">Sign in to the control room</h1>
            <p className="mt-1 text-sm text-slate-500">Watch fine-tuning jobs and stop the ones that should not run.</p>
          </div>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <SignInForm returnTo={returnTo} />
        </div>
        <p className="mt-6 text-center text-xs text-slate-500">Accounts are made by an admin. Ask yours if you have none.</p>
      </div>
    </main>
  );
}
