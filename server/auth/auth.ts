import "server-only";
import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { admin } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements, userAc } from "better-auth/plugins/admin/access";
import { db, type Db } from "../db";
import { appOrigins, appUrl, authSecret } from "../env";
import { CLIENT_ADDRESS_HEADER } from "./client-address";
import { MIN_PASSWORD_LENGTH, passwordProblem } from "./password-policy";

export const API_KEY_PREFIX = "ftcr_";

/**
 * The api-key plugin's HTTP routes let any signed-in user make, read, change
 * and re-enable their own keys (metadata included). Keys are made and revoked
 * only by admins through our own routes and the CLI, so these stay closed.
 */
export const DISABLED_AUTH_PATHS = [
  "/api-key/create",
  "/api-key/get",
  "/api-key/list",
  "/api-key/update",
  "/api-key/delete",
  "/sign-up/email",
];

// Endpoints that set a password, and the body field holding it.
const PASSWORD_FIELDS: Record<string, string> = {
  "/change-password": "newPassword",
  "/reset-password": "newPassword",
  "/admin/create-user": "password",
  "/admin/set-user-password": "newPassword",
};

// Our three roles; what each may do in the product is enforced by the tRPC
// role middleware. Here they only decide who may manage users.
const ac = createAccessControl(defaultStatements);
const roles = {
  viewer: ac.newRole({ ...userAc.statements }),
  operator: ac.newRole({ ...userAc.statements }),
  admin: ac.newRole({ ...adminAc.statements }),
};

export function createAuth(database: Db) {
  return betterAuth({
    appName: "Fine-tuning control room",
    baseURL: appUrl(),
    secret: authSecret(),
    database: prismaAdapter(database, { provider: "postgresql" }),
    // Accounts are made by an admin (CLI or UI), never by self sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: MIN_PASSWORD_LENGTH, maxPasswordLength: 256 },
    // Only our own origins: APP_URL's, or every loopback name for the port when it is unset.
    trustedOrigins: appOrigins(),
    disabledPaths: DISABLED_AUTH_PATHS,
    user: {
      additionalFields: {
        // Only the server sets or clears it (input: false).
        mustChangePassword: { type: "boolean", defaultValue: false, input: false },
      },
    },
    // better-auth's own limiter runs only when NODE_ENV=production at import and believes any
    // X-Forwarded-For; sign-in failures are limited by server/auth/auth-route.ts instead.
    rateLimit: { enabled: false },
    hooks: {
      before: createAuthMiddleware((ctx) => {
        const field = PASSWORD_FIELDS[ctx.path];
        const body = ctx.body as Record<string, unknown> | undefined;
        const password = field ? body?.[field] : undefined;
        if (typeof password !== "string") return Promise.resolve();
        const problem = passwordProblem(password, typeof body?.email === "string" ? [body.email] : []);
        if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "PASSWORD_TOO_WEAK" });
        return Promise.resolve();
      }),
    },
    advanced: {
      database: { generateId: "uuid" },
      useSecureCookies: appUrl().startsWith("https:"),
      // The address the app server took from the socket (and trusted proxies), never a client's header.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    plugins: [
      admin({ ac, roles, defaultRole: "viewer", adminRoles: ["admin"] }),
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        // A key's role lives in api_key_grants; the plugin's metadata is writable by the key's owner.
        enableMetadata: false,
        // Our own limiter (per user, in Postgres) answers 429s.
        rateLimit: { enabled: false },
        customAPIKeyGetter: (ctx) => bearerToken(ctx.headers?.get("authorization")) ?? ctx.headers?.get("x-api-key") ?? null,
      }),
      nextCookies(),
    ],
  });
}

export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { controlRoomAuth?: Auth };

export function auth(): Auth {
  globalForAuth.controlRoomAuth ??= createAuth(db());
  return globalForAuth.controlRoomAuth;
}
