import { NavLink } from "./nav-link";

const LINKS = [
  { href: "/jobs", label: "Jobs" },
  { href: "/sweeps", label: "Sweeps" },
  { href: "/connections", label: "Connections" },
  { href: "/docs/api", label: "API" },
] as const;

// Admins also manage users and API keys.
const ADMIN_LINKS = [{ href: "/settings", label: "Settings" }] as const;

export function NavLinks({ isAdmin = false }: { isAdmin?: boolean }) {
  return (
    <nav aria-label="Main" className="flex items-center gap-0.5 text-sm sm:gap-1">
      {[...LINKS, ...(isAdmin ? ADMIN_LINKS : [])].map((link) => (
        <NavLink key={link.href} href={link.href} className="px-2 py-1.5 sm:px-2.5">
          {link.label}
        </NavLink>
      ))}
    </nav>
  );
}
