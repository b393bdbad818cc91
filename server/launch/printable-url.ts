// What the launchers print about a URL they use: where it points, never how
// they sign in to it. Userinfo (user and password) and the query string (where
// some endpoints take an API key) are left out.

/** `url` without its user, password, query and fragment; text that is no URL becomes "(not a URL)". */
export function printableUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(not a URL)";
  }
  const path = parsed.pathname === "/" ? "" : parsed.pathname;
  return `${parsed.protocol}//${parsed.host}${path}`;
}
