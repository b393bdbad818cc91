"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { Plus, X, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Button, SubmitButton } from "./button";

// Radix's Dialog, styled once for forms: focus trap, Escape, focus returned to the trigger.
export const DialogRoot = Dialog.Root;
export const DialogTrigger = Dialog.Trigger;
export const DialogClose = Dialog.Close;

export function DialogContent({
  title,
  description,
  children,
  wide = false,
}: {
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <Dialog.Portal>
      <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-950/40 backdrop-blur-[2px]" />
      <Dialog.Content
        // Without a description, say so (Radix warns otherwise).
        {...(description ? {} : { "aria-describedby": undefined })}
        className={`fixed top-1/2 left-1/2 z-50 flex max-h-[calc(100vh-2rem)] w-[calc(100vw-2rem)] -translate-x-1/2 -translate-y-1/2 flex-col rounded-xl border border-slate-200 bg-white shadow-2xl focus:outline-none ${wide ? "max-w-2xl" : "max-w-lg"}`}
      >
        <div className="flex items-start gap-4 border-b border-slate-100 px-6 pt-5 pb-4">
          <div className="min-w-0 flex-1">
            <Dialog.Title className="text-base font-semibold text-slate-900">{title}</Dialog.Title>
            {description ? <Dialog.Description className="mt-1 text-sm text-slate-500">{description}</Dialog.Description> : null}
          </div>
          <Dialog.Close
            className="-mr-2 rounded-md p-1.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-blue-600"
            aria-label="Close"
          >
            <X aria-hidden className="size-4" />
          </Dialog.Close>
        </div>
        <div className="min-h-0 flex-1 overflow-y-auto px-6 py-5">{children}</div>
      </Dialog.Content>
    </Dialog.Portal>
  );
}

/** What opens a dialog that makes something new ("New job", "Add connection"): a primary button with a plus (or another `icon`). */
export function NewThingTrigger({ icon: Icon = Plus, children }: { icon?: LucideIcon; children: ReactNode }) {
  return (
    <DialogTrigger asChild>
      <Button variant="primary">
        <Icon aria-hidden className="size-4" />
        {children}
      </Button>
    </DialogTrigger>
  );
}

/** The last row of a dialog that only shows a result: Done closes it. */
export function DialogDone() {
  return (
    <div className="flex justify-end">
      <DialogClose asChild>
        <Button variant="primary">Done</Button>
      </DialogClose>
    </div>
  );
}

/** A form dialog's last row: Cancel closes it; the submit button (`children`) spins and waits while `pending`. */
export function DialogActions({ pending, divided = false, children }: { pending: boolean; divided?: boolean; children: ReactNode }) {
  return (
    <div className={`flex flex-col-reverse gap-2 sm:flex-row sm:justify-end ${divided ? "border-t border-slate-100 pt-4" : "pt-2"}`}>
      <DialogClose asChild>
        <Button>Cancel</Button>
      </DialogClose>
      <SubmitButton pending={pending}>{children}</SubmitButton>
    </div>
  );
}
