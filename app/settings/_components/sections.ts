// The sections of /settings, in the order the side navigation shows them. A
// new section is a folder under app/settings and one line here.
export const SETTINGS_SECTIONS = [
  { href: "/settings/users", label: "Users", description: "Who can sign in, with which role" },
  { href: "/settings/api-keys", label: "API keys", description: "Keys for services, and when they were last used" },
  { href: "/settings/webhooks", label: "Webhooks", description: "Signed notifications of job changes to other services" },
] as const;
