import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionUser, safeReturnPath } from "@/server/auth/session";
import { MIN_PASSWORD_LENGTH } from "@/server/auth/password-policy";
import { NewPasswordForm } from "./new-password-form";

export const metadata: Metadata = { title: "Choose a password · Fine-tuning control room" };

export default async function NewPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  const user = await getSessionUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <span className="grid size-10 place-items-center rounded-lg bg-slate-900 text-white shadow-sm">
            <KeyRound aria-hidden className="size-5" />
          </span>
          <div>
            <h1 className="text-lg font-semibold tracking-tight">Choose your own password</h1>
            <p className="mt-1 text-sm text-slate-500">
              {user.mustChangePassword
                ? "The password you signed in with was chosen for you and has been shown elsewhere. Replace it before you go on."
                : "Replace your password. Your other sessions will be signed out."}
            </p>
          </div>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <NewPasswordForm email={user.email} returnTo={returnTo} minLength={MIN_PASSWORD_LENGTH} />
        </div>
      </div>
    </main>
  );
}
