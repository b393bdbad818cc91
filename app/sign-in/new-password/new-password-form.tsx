"use client";

import { useRouter } from "next/navigation";
import { useId, useState, useTransition, type FormEvent } from "react";
import { SubmitButton } from "@/app/_components/button";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { FormError } from "../_components/form-error";
import { chooseNewPassword } from "./actions";

type Errors = { currentPassword?: string; newPassword?: string; confirm?: string; form?: string };

export function NewPasswordForm({ email, returnTo, minLength }: { email: string; returnTo: string; minLength: number }) {
  const router = useRouter();
  const [errors, setErrors] = useState<Errors>({});
  const [pending, startTransition] = useTransition();
  const ids = { current: useId(), next: useId(), confirm: useId() };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => {
      const v = form.get(name);
      return typeof v === "string" ? v : "";
    };
    const currentPassword = value("currentPassword");
    const newPassword = value("newPassword");
    if (newPassword.length < minLength) return setErrors({ newPassword: `At least ${minLength} characters.` });
    if (newPassword !== value("confirm")) return setErrors({ confirm: "The two new passwords differ." });
    setErrors({});
    startTransition(async () => {
      const result = await chooseNewPassword(currentPassword, newPassword).catch(() => ({
        ok: false as const,
        field: null,
        message: "The server could not be reached; try again.",
      }));
      if (result.ok) {
        router.replace(returnTo);
        router.refresh();
        return;
      }
      setErrors(
        result.field === "currentPassword" || result.field === "newPassword"
          ? { [result.field]: result.message }
          : result.field === "password"
            ? { newPassword: result.message }
            : { form: result.message },
      );
    });
  };

  return (
    // POST: a click before hydration submits natively, and a GET would put the password in the URL.
    <form method="post" onSubmit={submit} className="space-y-4">
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field id={ids.current} label="Current password" error={errors.currentPassword}>
        <input
          id={ids.current}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          className={`${inputClasses} h-9`}
          {...fieldAria(ids.current, { error: errors.currentPassword })}
        />
      </Field>
      <Field
        id={ids.next}
        label="New password"
        hint={`At least ${minLength} characters, not a common password.`}
        error={errors.newPassword}
      >
        <input
          id={ids.next}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={minLength}
          className={`${inputClasses} h-9`}
          {...fieldAria(ids.next, { hint: true, error: errors.newPassword })}
        />
      </Field>
      <Field id={ids.confirm} label="New password again" error={errors.confirm}>
        <input
          id={ids.confirm}
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          className={`${inputClasses} h-9`}
          {...fieldAria(ids.confirm, { error: errors.confirm })}
        />
      </Field>
      {errors.form ? <FormError>{errors.form}</FormError> : null}
      <SubmitButton pending={pending} className="w-full">
        Save password
      </SubmitButton>
    </form>
  );
}
