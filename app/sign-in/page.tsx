import { Gauge } from "lucide-react";
import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getSessionUser, safeReturnPath } from "@/server/auth/session";
import { env } from "@/server/env";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in · Fine-tuning control room" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  if (await getSessionUser()) redirect(returnTo);
  // With APP_URL set, sign-in works only at that origin (cookies and the origin check follow it).
  const appOrigin = env().APP_URL ? new URL(env().APP_URL ?? "").origin : null;
  const host = (await headers()).get("host");
  const elsewhere = appOrigin !== null && host !== null && new URL(appOrigin).host !== host;
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
          {elsewhere ? (
            <p role="status" className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
              This address is not the app&apos;s configured one. Open <a className="font-medium underline" href={`${appOrigin}/sign-in`}>{appOrigin}</a> to sign in.
            </p>
          ) : null}
          <SignInForm returnTo={returnTo} appOrigin={appOrigin} />
        </div>
        <p className="mt-6 text-center text-xs text-slate-500">Accounts are made by an admin. Ask yours if you have none.</p>
      </div>
    </main>
  );
}
