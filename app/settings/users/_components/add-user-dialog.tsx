"use client";

import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { DialogActions, DialogContent, DialogRoot, NewThingTrigger } from "@/app/_components/dialog";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { ROLES, type Role } from "@/server/auth/admin-schema";

type Form = { email: string; name: string; role: Role; password: string };
const EMPTY: Form = { email: "", name: "", role: "viewer", password: "" };

/** "Add user": the password set here is temporary; the user must choose their own at first sign-in. */
export function AddUserDialog() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>(EMPTY);
  const ids = { email: useId(), name: useId(), role: useId(), password: useId() };
  const utils = trpc.useUtils();
  const create = trpc.users.create.useMutation({
    onSuccess: async (user) => {
      toast.success(`Added ${user.email}`, { description: "Give them the password; they choose their own at first sign-in." });
      setOpen(false);
      setForm(EMPTY);
      await utils.users.list.invalidate();
    },
  });
  const field = create.error?.data?.field ?? null;
  const errorOf = (name: keyof Form) => (field === name ? create.error?.message : undefined);
  const change = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    if (create.error) create.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ email: form.email.trim(), name: form.name.trim() || undefined, role: form.role, password: form.password });
  };

  return (
    <DialogRoot
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <NewThingTrigger>Add user</NewThingTrigger>
      <DialogContent title="Add a user" description="They sign in with this password once, then choose their own.">
        <form onSubmit={submit} className="space-y-4">
          <Field id={ids.email} label="Email" error={errorOf("email")}>
            <input
              id={ids.email}
              type="email"
              required
              value={form.email}
              onChange={(e) => change({ email: e.target.value })}
              autoComplete="off"
              className={`${inputClasses} h-9`}
              {...fieldAria(ids.email, { error: errorOf("email") })}
            />
          </Field>
          <Field id={ids.name} label="Name" optional error={errorOf("name")}>
            <input
              id={ids.name}
              value={form.name}
              onChange={(e) => change({ name: e.target.value })}
              autoComplete="off"
              className={`${inputClasses} h-9`}
            />
          </Field>
          <Field id={ids.role} label="Role">
            <select
              id={ids.role}
              value={form.role}
              onChange={(e) => change({ role: e.target.value as Role })}
              className={`${inputClasses} h-9`}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id={ids.password}
            label="Temporary password"
            hint="At least 12 characters, not a common password."
            error={errorOf("password")}
          >
            <input
              id={ids.password}
              type="password"
              required
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => change({ password: e.target.value })}
              className={`${inputClasses} h-9`}
              {...fieldAria(ids.password, { hint: true, error: errorOf("password") })}
            />
          </Field>
          {create.error && !field ? <ErrorCallout title="Could not add the user">{create.error.message}</ErrorCallout> : null}
          <DialogActions pending={create.isPending}>Add user</DialogActions>
        </form>
      </DialogContent>
    </DialogRoot>
  );
}
