"use client";

import { KeyRound } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { DialogActions, DialogContent, DialogRoot, NewThingTrigger } from "@/app/_components/dialog";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { SecretShownOnce } from "@/app/_components/secret-shown-once";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { API_KEY_NAME_MAX_LENGTH, ROLES, roleRank, type Role } from "@/server/auth/admin-schema";

type Owner = { id: string; email: string; role: Role };

/** "Create key": name, role and owner; the key is shown here once and never again. */
export function CreateApiKeyDialog({ owners, myId }: { owners: Owner[]; myId: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("operator");
  const [ownerId, setOwnerId] = useState(myId);
  const ids = { name: useId(), role: useId(), owner: useId() };
  const utils = trpc.useUtils();
  const create = trpc.apiKeys.create.useMutation({ onSuccess: () => utils.apiKeys.list.invalidate() });
  const owner = owners.find((o) => o.id === ownerId);
  const field = create.error?.data?.field ?? null;

  const reset = (next: boolean) => {
    setOpen(next);
    if (!next) {
      setName("");
      create.reset();
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), role, owner_id: ownerId });
  };

  return (
    <DialogRoot open={open} onOpenChange={reset}>
      <NewThingTrigger icon={KeyRound}>Create key</NewThingTrigger>
      <DialogContent
        title={create.data ? "Your new API key" : "Create an API key"}
        description={
          create.data ? "Copy it now: it is stored only hashed and will not be shown again." : "Send it as `Authorization: Bearer <key>`."
        }
      >
        {create.data ? (
          <SecretShownOnce value={create.data.key} label="The new API key" what="API key" />
        ) : (
          <form onSubmit={submit} className="space-y-4">
            <Field
              id={ids.name}
              label="Name"
              hint="The service that will use it, e.g. nightly-retrainer."
              error={field === "name" ? create.error?.message : undefined}
            >
              <input
                id={ids.name}
                required
                maxLength={API_KEY_NAME_MAX_LENGTH}
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
                className={`${inputClasses} h-9`}
                {...fieldAria(ids.name, { hint: true })}
              />
            </Field>
            <Field id={ids.owner} label="Owner" hint="The key never has more rights than its owner has at the time of each request.">
              <select
                id={ids.owner}
                value={ownerId}
                onChange={(e) => setOwnerId(e.target.value)}
                className={`${inputClasses} h-9`}
                {...fieldAria(ids.owner, { hint: true })}
              >
                {owners.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.email} ({o.role})
                  </option>
                ))}
              </select>
            </Field>
            <Field id={ids.role} label="Role" error={field === "role" ? create.error?.message : undefined}>
              <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as Role)} className={`${inputClasses} h-9`}>
                {ROLES.map((r) => (
                  <option key={r} value={r} disabled={owner ? roleRank(r) > roleRank(owner.role) : false}>
                    {r}
                  </option>
                ))}
              </select>
            </Field>
            {create.error && field !== "name" && field !== "role" ? (
              <ErrorCallout title="Could not create the key">{create.error.message}</ErrorCallout>
            ) : null}
            <DialogActions pending={create.isPending}>Create key</DialogActions>
          </form>
        )}
      </DialogContent>
    </DialogRoot>
  );
}
