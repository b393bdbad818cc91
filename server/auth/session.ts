import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { asRole, type Role } from "./actor";
import { auth } from "./auth";
import { NEW_PASSWORD_PATH } from "./caller";

export type SessionUser = { id: string; email: string; name: string; role: Role; mustChangePassword: boolean };

/** The signed-in user of this request, or null. Cached per request: the layout and the page both ask. */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  // headers() first: it marks the page dynamic before anything touches the database (never at build time).
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  const { user } = session;
  return { id: user.id, email: user.email, name: user.name, role: asRole(user.role), mustChangePassword: user.mustChangePassword === true };
});

/**
 * The signed-in user, or a redirect to /sign-in that comes back to `returnTo`
 * afterwards; a user who must still choose a password is sent to do that first.
 */
export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  if (user.mustChangePassword) redirect(`${NEW_PASSWORD_PATH}?next=${encodeURIComponent(returnTo)}`);
  return user;
}

/** An admin, or a redirect: to /sign-in when signed out, to /jobs for anyone else. */
export async function requireAdmin(returnTo: string): Promise<SessionUser> {
  const user = await requireUser(returnTo);
  if (user.role !== "admin") redirect("/jobs");
  return user;
}

/** Viewers read; operators and admins change jobs (the API enforces the same rule). */
export function canChangeJobs(role: Role): boolean {
  return role === "operator" || role === "admin";
}

const HOME = "/jobs";

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const ODD = /[\u0000-\u001f\u007f\\]/;

function decodedOnce(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return "\u0000"; // malformed escapes: refused
  }
}

/**
 * Only a path on this site may be returned to after sign-in (no open
 * redirects). The path is resolved the way a browser would — which drops
 * tabs and newlines and reads "\\" as "/" — and kept only if it stays on the
 * origin; control characters and backslashes are refused outright, also when
 * still percent-encoded (`/%09/x`), in case anything decodes it once more.
 */
export function safeReturnPath(value: string | string[] | undefined): string {
  const path = Array.isArray(value) ? value[0] : value;
  if (!path || !path.startsWith("/") || ODD.test(path)) return HOME;
  const decoded = decodedOnce(path);
  if (ODD.test(decoded) || decoded.startsWith("//")) return HOME;
  const base = "http://return.invalid";
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    return HOME;
  }
  if (url.origin !== base || url.pathname.startsWith("//")) return HOME;
  return `${url.pathname}${url.search}${url.hash}`;
}
