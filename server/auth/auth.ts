import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { admin } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements, userAc } from "better-auth/plugins/admin/access";
import { db, type Db } from "../db";
import { appUrl, env } from "../env";

export const API_KEY_PREFIX = "ftcr_";

// Our three roles; what each may do in the product is enforced by the tRPC
// role middleware. Here they only decide who may manage users and keys.
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
    secret: env().BETTER_AUTH_SECRET,
    database: prismaAdapter(database, { provider: "postgresql" }),
    // Accounts are made by an admin (CLI or UI), never by self sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    trustedOrigins: (request) => (request ? [new URL(request.url).origin, appUrl()] : [appUrl()]),
    advanced: { database: { generateId: "uuid" } },
    plugins: [
      admin({ ac, roles, defaultRole: "viewer", adminRoles: ["admin"] }),
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        enableMetadata: true,
        // Our own limiter (per key and per user, in Postgres) answers 429s.
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
