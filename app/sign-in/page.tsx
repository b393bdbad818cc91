import { Gauge } from "lucide-react";
import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getSessionUser, safeReturnPath } from "@/server/auth/session";
import { env } from "@/server/env";
import { SignInFrame } from "./_components/sign-in-frame";
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
    <SignInFrame
      icon={<Gauge aria-hidden className="size-5" />}
      title="Sign in to the control room"
      description="Watch fine-tuning jobs and stop the ones that should not run."
      footer={<p className="mt-6 text-center text-xs text-slate-500">Accounts are made by an admin. Ask yours if you have none.</p>}
    >
      {elsewhere ? (
        <p role="status" className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
          This address is not the app&apos;s configured one. Open{" "}
          <a className="font-medium underline" href={`${appOrigin}/sign-in`}>
            {appOrigin}
          </a>{" "}
          to sign in.
        </p>
      ) : null}
      <SignInForm returnTo={returnTo} appOrigin={appOrigin} />
    </SignInFrame>
  );
}
