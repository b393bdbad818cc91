import { NavLink } from "@/app/_components/nav-link";
import { SETTINGS_SECTIONS } from "./sections";

export function SettingsNav() {
  return (
    <nav aria-label="Settings" className="flex gap-1 overflow-x-auto md:flex-col">
      {SETTINGS_SECTIONS.map((section) => (
        <NavLink key={section.href} href={section.href} className="px-3 py-2 text-sm whitespace-nowrap">
          {section.label}
        </NavLink>
      ))}
    </nav>
  );
}
