"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { authClient } from "@/app/_components/auth-client";
import { SubmitButton } from "@/app/_components/button";
import { FormError } from "./_components/form-error";

const inputClasses =
  "block h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-sm shadow-xs placeholder:text-slate-400 focus:border-blue-600 focus:outline-2 focus:outline-offset-0 focus:outline-blue-600/30 aria-invalid:border-red-400";

/** `appOrigin`: where sign-in works when APP_URL is set (null: any loopback address on the port). */
export function SignInForm({ returnTo, appOrigin }: { returnTo: string; appOrigin: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value : "";
    };
    const email = field("email").trim();
    const password = field("password");
    setError(null);
    startTransition(async () => {
      const result = await authClient.signIn.email({ email, password }).catch((e: unknown) => ({
        error: { message: e instanceof Error ? e.message : "The server could not be reached.", status: 0 },
      }));
      if (result.error) {
        setError(
          result.error.status === 401
            ? "Wrong email or password."
            : result.error.status === 429
              ? (result.error.message ?? "Too many failed sign-ins. Wait a minute and try again.")
              : result.error.status === 403
                ? appOrigin
                  ? `Sign-in works only at ${appOrigin}. Open ${appOrigin}/sign-in and sign in there.`
                  : (result.error.message ?? "Sign-in is not allowed from this address.")
                : (result.error.message ?? "Sign-in failed; try again."),
        );
        return;
      }
      router.replace(returnTo);
      router.refresh();
    });
  };

  return (
    // POST: a click before hydration submits natively, and a GET would put the password in the URL.
    <form method="post" onSubmit={submit} className="space-y-4">
      <div className="space-y-1.5">
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          className={inputClasses}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "sign-in-error" : undefined}
        />
      </div>
      <div className="space-y-1.5">
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className={inputClasses}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "sign-in-error" : undefined}
        />
      </div>
      {error ? <FormError id="sign-in-error">{error}</FormError> : null}
      <SubmitButton pending={pending} className="w-full">
        Sign in
      </SubmitButton>
    </form>
  );
}
