"use client";

import * as AlertDialog from "@radix-ui/react-alert-dialog";
import type { ReactNode } from "react";

// Radix's AlertDialog, styled once: it traps focus, closes on Escape, and
// returns focus to its trigger. Pieces are re-exported for composition.
export const AlertDialogRoot = AlertDialog.Root;
export const AlertDialogTrigger = AlertDialog.Trigger;
export const AlertDialogCancel = AlertDialog.Cancel;
export const AlertDialogAction = AlertDialog.Action;

export function AlertDialogContent({ title, description, children }: { title: ReactNode; description: ReactNode; children: ReactNode }) {
  return (
    <AlertDialog.Portal>
      <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-950/40 backdrop-blur-[2px]" />
      <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-xl border border-slate-200 bg-white p-6 shadow-2xl focus:outline-none">
        <AlertDialog.Title className="text-base font-semibold text-slate-900">{title}</AlertDialog.Title>
        <AlertDialog.Description asChild>
          <div className="mt-2 space-y-2 text-sm text-slate-600">{description}</div>
        </AlertDialog.Description>
        {children}
      </AlertDialog.Content>
    </AlertDialog.Portal>
  );
}
