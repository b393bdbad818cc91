export function contentSecurityPolicy(options: { dev: boolean }): string;
export function securityHeaders(options: { dev: boolean; https: boolean }): Record<string, string>;
