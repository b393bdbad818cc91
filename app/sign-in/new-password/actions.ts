"use server";

import { headers } from "next/headers";
import { changeOwnPassword } from "@/server/auth/password-change";
import { AppError } from "@/server/errors";

export type NewPasswordResult = { ok: true } | { ok: false; field: string | null; message: string };

/** The form's action: Next checks the request's origin for server actions, so this is same-site only. */
export async function chooseNewPassword(currentPassword: string, newPassword: string): Promise<NewPasswordResult> {
  try {
    await changeOwnPassword({ headers: new Headers(await headers()), currentPassword, newPassword });
    return { ok: true };
  } catch (error) {
    if (error instanceof AppError && error.code !== "INTERNAL_SERVER_ERROR")
      return { ok: false, field: error.field ?? null, message: error.message };
    throw error;
  }
}
