import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { asRole, type Role } from "./actor";
import { auth } from "./auth";

export type SessionUser = { id: string; email: string; name: string; role: Role };

/** The signed-in user of this request, or null. Cached per request: the layout and the page both ask. */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  // headers() first: it marks the page dynamic before anything touches the database (never at build time).
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  const { user } = session;
  return { id: user.id, email: user.email, name: user.name, role: asRole(user.role) };
});

/** The signed-in user, or a redirect to /sign-in that comes back to `returnTo` afterwards. */
export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return user;
}

/** Viewers read; operators and admins change jobs (the API enforces the same rule). */
export function canChangeJobs(role: Role): boolean {
  return role === "operator" || role === "admin";
}

/** Only same-site paths may be returned to after sign-in (no open redirects). */
export function safeReturnPath(value: string | string[] | undefined): string {
  const path = Array.isArray(value) ? value[0] : value;
  if (!path || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/jobs";
  return path;
}
