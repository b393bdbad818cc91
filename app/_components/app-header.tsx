import { Gauge } from "lucide-react";
import Link from "next/link";
import { getSessionUser } from "@/server/auth/session";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

const ROLE_STYLES = {
  viewer: "bg-slate-100 text-slate-700",
  operator: "bg-blue-50 text-blue-700",
  admin: "bg-violet-50 text-violet-700",
} as const;

/** The product bar: name, navigation, who is signed in. Nothing when signed out (the sign-in page has its own). */
export async function AppHeader() {
  const user = await getSessionUser();
  if (!user) return null;
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-4 sm:gap-4 sm:px-6">
        <Link
          href="/jobs"
          className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
        >
          <span className="grid size-7 place-items-center rounded-md bg-slate-900 text-white">
            <Gauge aria-hidden className="size-4" />
          </span>
          <span className="max-sm:sr-only">Control room</span>
        </Link>
        <NavLinks isAdmin={user.role === "admin"} />
        <div className="ml-auto flex min-w-0 items-center gap-1 sm:gap-3">
          <div className="flex min-w-0 items-center gap-2 text-sm">
            <span className="hidden truncate text-slate-600 md:inline" title={user.email}>
              {user.email}
            </span>
            <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${ROLE_STYLES[user.role]}`} title={`Role: ${user.role}`}>
              {user.role}
            </span>
          </div>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
