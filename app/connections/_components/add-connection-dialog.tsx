"use client";

import { ChevronDown } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { DialogActions, DialogContent, DialogRoot, NewThingTrigger } from "@/app/_components/dialog";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { CONNECTION_ALIAS_MAX_LENGTH, DIALECTS, SCHEMA_TEXT_MAX_LENGTH, type CreateDbConnectionInput } from "@/server/connections/schema";

type Form = { alias: string; dialect: (typeof DIALECTS)[number]; schema_text: string };
type Errors = Partial<Record<keyof Form, string>>;

const EMPTY: Form = { alias: "", dialect: "postgresql", schema_text: "" };

function validate(form: Form): Errors {
  const errors: Errors = {};
  const alias = form.alias.trim();
  if (!alias) errors.alias = "Give the connection an alias.";
  else if (alias.length > CONNECTION_ALIAS_MAX_LENGTH) errors.alias = `At most ${CONNECTION_ALIAS_MAX_LENGTH} characters.`;
  if (!form.schema_text.trim()) errors.schema_text = "Paste the schema the model should see (CREATE TABLE statements).";
  else if (form.schema_text.length > SCHEMA_TEXT_MAX_LENGTH)
    errors.schema_text = `At most ${SCHEMA_TEXT_MAX_LENGTH.toLocaleString("en-US")} characters.`;
  return errors;
}

/** "Add connection": alias, dialect and the schema text that goes into training prompts. */
export function AddConnectionDialog() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>(EMPTY);
  const [submitted, setSubmitted] = useState(false);
  const ids = { alias: useId(), dialect: useId(), schema: useId() };
  const utils = trpc.useUtils();
  const create = trpc.dbConnection.create.useMutation({
    onSuccess: async (connection) => {
      toast.success(`Added ${connection.alias}`, { description: "Import its golden records next." });
      setOpen(false);
      await utils.dbConnection.list.invalidate();
    },
  });

  const errors: Errors = submitted ? validate(form) : {};
  const serverField = create.error?.data?.field;
  if (serverField === "alias" || serverField === "schema_text" || serverField === "dialect") errors[serverField] ??= create.error?.message;

  const change = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    if (create.error) create.reset();
  };
  const reset = (next: boolean) => {
    setOpen(next);
    if (!next) {
      setForm(EMPTY);
      setSubmitted(false);
      create.reset();
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(validate(form)).length > 0) return;
    const input: CreateDbConnectionInput = { alias: form.alias.trim(), dialect: form.dialect, schema_text: form.schema_text };
    create.mutate(input);
  };

  return (
    <DialogRoot open={open} onOpenChange={reset}>
      <NewThingTrigger>Add connection</NewThingTrigger>
      <DialogContent
        title="Add a database connection"
        description="Jobs train on this connection’s golden records, with its schema in every prompt."
        wide
      >
        <form onSubmit={submit} noValidate className="space-y-4">
          <Field id={ids.alias} label="Alias" hint="How people will recognise it, e.g. retail-warehouse." error={errors.alias}>
            <input
              id={ids.alias}
              value={form.alias}
              onChange={(e) => change({ alias: e.target.value })}
              autoComplete="off"
              className={`${inputClasses} h-9`}
              {...fieldAria(ids.alias, { hint: true, error: errors.alias })}
            />
          </Field>
          <Field id={ids.dialect} label="Dialect" error={errors.dialect}>
            <div className="relative">
              <select
                id={ids.dialect}
                value={form.dialect}
                onChange={(e) => change({ dialect: e.target.value as Form["dialect"] })}
                className={`${inputClasses} h-9 cursor-pointer appearance-none pr-8`}
                {...fieldAria(ids.dialect, { error: errors.dialect })}
              >
                {DIALECTS.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
              <ChevronDown aria-hidden className="pointer-events-none absolute top-1/2 right-2 size-4 -translate-y-1/2 text-slate-400" />
            </div>
          </Field>
          <Field
            id={ids.schema}
            label="Schema"
            hint="The DDL of the tables questions are about; it goes into every training prompt."
            error={errors.schema_text}
          >
            <textarea
              id={ids.schema}
              value={form.schema_text}
              onChange={(e) => change({ schema_text: e.target.value })}
              rows={8}
              spellCheck={false}
              placeholder={"CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total numeric\n);"}
              className={`${inputClasses} py-2 font-mono text-xs`}
              {...fieldAria(ids.schema, { hint: true, error: errors.schema_text })}
            />
          </Field>
          {create.error && !serverField ? <ErrorCallout title="Could not add the connection">{create.error.message}</ErrorCallout> : null}
          <DialogActions pending={create.isPending}>Add connection</DialogActions>
        </form>
      </DialogContent>
    </DialogRoot>
  );
}
