import { KeyRound } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionUser, safeReturnPath } from "@/server/auth/session";
import { MIN_PASSWORD_LENGTH } from "@/server/auth/password-policy";
import { SignInFrame } from "../_components/sign-in-frame";
import { NewPasswordForm } from "./new-password-form";

export const metadata: Metadata = { title: "Choose a password · Fine-tuning control room" };

export default async function NewPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  const user = await getSessionUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return (
    <SignInFrame
      icon={<KeyRound aria-hidden className="size-5" />}
      title="Choose your own password"
      description={
        user.mustChangePassword
          ? "The password you signed in with was chosen for you and has been shown elsewhere. Replace it before you go on."
          : "Replace your password. Your other sessions will be signed out."
      }
    >
      <NewPasswordForm email={user.email} returnTo={returnTo} minLength={MIN_PASSWORD_LENGTH} />
    </SignInFrame>
  );
}
