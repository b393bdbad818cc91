// The one list of security headers, shared by next.config.js (pages Next
// serves) and server/http/security-headers.ts (every answer the app server
// gives). Plain JavaScript so that next.config.js can import it as it is.
// Scripts come only from this origin; React's inline bootstrap needs
// 'unsafe-inline', development's fast refresh 'unsafe-eval'. HSTS is added at
// run time, where APP_URL is known.

/** @param {{ dev: boolean }} options */
export function contentSecurityPolicy({ dev }) {
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

/**
 * @param {{ dev: boolean; https: boolean }} options
 * @returns {Record<string, string>}
 */
export function securityHeaders(options) {
  return {
    "content-security-policy": contentSecurityPolicy(options),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    ...(options.https ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  };
}
