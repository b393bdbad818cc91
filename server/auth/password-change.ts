import { APIError } from "better-auth/api";
import { db } from "../db";
import { AppError } from "../errors";
import { assertGoodPassword } from "./admin";
import { auth } from "./auth";
import { withPasswordAttempt } from "./password-attempts";

/**
 * The signed-in user (from the request's cookie) replaces their password:
 * the current one is checked, the new one must pass the password rule, the
 * other sessions end, and the must-change flag is cleared.
 */
export async function changeOwnPassword({
  headers,
  currentPassword,
  newPassword,
}: {
  headers: Headers;
  currentPassword: string;
  newPassword: string;
}): Promise<void> {
  const session = await auth().api.getSession({ headers });
  if (!session) throw new AppError("UNAUTHORIZED", "Sign in first.");
  if (newPassword === currentPassword)
    throw new AppError("BAD_REQUEST", "Choose a password different from the current one.", { field: "newPassword" });
  assertGoodPassword(newPassword, [session.user.email]);
  try {
    // Each check of the current password counts like a sign-in: a stolen session cannot guess it freely.
    await withPasswordAttempt(
      session.user.email,
      headers,
      () => auth().api.changePassword({ headers, body: { currentPassword, newPassword, revokeOtherSessions: true } }),
      (_result, error) => error instanceof APIError && error.body?.code === "INVALID_PASSWORD",
    );
  } catch (error) {
    if (error instanceof APIError)
      throw new AppError("BAD_REQUEST", error.body?.message ?? "The current password is not right.", { field: "currentPassword" });
    throw error;
  }
  await db().user.update({ where: { id: session.user.id }, data: { mustChangePassword: false } });
}
