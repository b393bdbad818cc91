import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { APP_ORIGIN, makeUser, PASSWORD, signIn, trpc, useSecureApp } from "./app";

const app = useSecureApp();

describe("finding 2 and sign-in: failed sign-ins are limited per account and per address", () => {
  it("the 6th wrong password for one account within a minute is a 429 with Retry-After, whatever X-Forwarded-For says", async () => {
    const user = await makeUser("admin");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // A client-chosen X-Forwarded-For must not give each attempt a fresh address.
      statuses.push((await signIn(app.origin, user.email, `wrong-password-${i}`, { "x-forwarded-for": `203.0.113.${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const sixth = await signIn(app.origin, user.email, "wrong-password-6", { "x-forwarded-for": "198.51.100.7" });
    expect(sixth.status).toBe(429);
    const retryAfter = Number(sixth.response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(70);
    expect(((await sixth.response.json()) as { message: string }).message).toMatch(/too many failed sign-ins/i);
    // The right password is refused too while the account is limited: guessing cannot go on.
    expect((await signIn(app.origin, user.email, PASSWORD)).status).toBe(429);
    // The count lives in Postgres, so every instance and a restart see it.
    const [row] = await db().$queryRaw<{ count: number }[]>`
      SELECT sum(count)::int AS count FROM rate_limit_buckets WHERE subject = ${`sign-in-account:${user.email.toLowerCase()}`}`;
    expect(row?.count).toBe(5);
  });

  it("another account is not limited by someone else's failures", async () => {
    const user = await makeUser("viewer");
    expect((await signIn(app.origin, user.email)).status).toBe(200);
  });

  it("failures from one address across many accounts are limited too", async () => {
    const { SIGN_IN_FAILURES_PER_ADDRESS } = await import("../../server/rate-limit/failures");
    const { CLIENT_ADDRESS_HEADER } = await import("../../server/auth/client-address");
    // A fresh address for this test: the stamp is what the app server writes from the socket.
    const address = `192.0.2.${(process.pid % 200) + 1}`;
    await db().$executeRaw`DELETE FROM rate_limit_buckets WHERE subject = ${`sign-in-address:${address}`}`;
    const { handleAuthRequest } = await import("../../server/auth/auth-route");
    const attempt = (email: string) =>
      handleAuthRequest(
        new Request(`${APP_ORIGIN}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: APP_ORIGIN, [CLIENT_ADDRESS_HEADER]: address },
          body: JSON.stringify({ email, password: "not-the-password-at-all" }),
        }),
      );
    for (let i = 0; i < SIGN_IN_FAILURES_PER_ADDRESS; i++)
      expect((await attempt(`nobody-${i}-${Date.now()}@example.test`)).status).toBe(401);
    const next = await attempt(`nobody-last-${Date.now()}@example.test`);
    expect(next.status).toBe(429);
    expect(next.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("with APP_URL set, sign-in from another origin says where to go", () => {
  it("refuses 127.0.0.1 when APP_URL is localhost, naming APP_URL; a cross-site page cannot sign anyone in", async () => {
    const user = await makeUser("viewer");
    const elsewhere = await signIn(app.origin, user.email, PASSWORD, { origin: "http://127.0.0.1:3999" });
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.response.json()) as { message: string }).message).toContain(`${APP_ORIGIN}/sign-in`);
    expect((await signIn(app.origin, user.email, PASSWORD, { origin: "https://evil.example" })).status).toBe(403);
    expect((await signIn(app.origin, user.email)).status).toBe(200);
  });
});

describe("X-Forwarded-For is believed only from TRUSTED_PROXIES", () => {
  it("takes the socket's address by default, and the forwarded client behind a trusted proxy", async () => {
    const { clientAddressOf } = await import("../../server/auth/client-address");
    const { env } = await import("../../server/env");
    const request = (remoteAddress: string, forwarded?: string) =>
      ({
        socket: { remoteAddress },
        headers: forwarded ? { "x-forwarded-for": forwarded } : {},
      }) as unknown as import("node:http").IncomingMessage;
    expect(env().TRUSTED_PROXIES).toBe("");
    expect(clientAddressOf(request("::ffff:127.0.0.1", "203.0.113.9"))).toBe("127.0.0.1");
    const original = env().TRUSTED_PROXIES;
    env().TRUSTED_PROXIES = "10.0.0.0/8, ::1";
    try {
      expect(clientAddressOf(request("10.1.2.3", "203.0.113.9, 10.9.9.9"))).toBe("203.0.113.9");
      expect(clientAddressOf(request("::1", "spoofed, 198.51.100.4"))).toBe("198.51.100.4");
      expect(clientAddressOf(request("192.0.2.1", "203.0.113.9"))).toBe("192.0.2.1");
    } finally {
      env().TRUSTED_PROXIES = original;
    }
  });
});

describe("first admin and passwords", () => {
  it("a user whose password an admin chose can do nothing until choosing a new one", async () => {
    const user = await makeUser("admin", { mustChangePassword: true });
    const { status, cookie } = await signIn(app.origin, user.email);
    expect(status).toBe(200);
    const refused = await trpc(app.origin, "finetuning.list", {}, { method: "GET", headers: { cookie } });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain("/sign-in/new-password");
    const { changeOwnPassword } = await import("../../server/auth/password-change");
    await expect(
      changeOwnPassword({ headers: new Headers({ cookie }), currentPassword: PASSWORD, newPassword: "password1234" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await changeOwnPassword({ headers: new Headers({ cookie }), currentPassword: PASSWORD, newPassword: "quarry-lantern-mosaic-81" });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).mustChangePassword).toBe(false);
    const again = await signIn(app.origin, user.email, "quarry-lantern-mosaic-81");
    expect((await trpc(app.origin, "finetuning.list", {}, { method: "GET", headers: { cookie: again.cookie } })).status).toBe(200);
  });

  it("short and common passwords are refused by the admin route and by better-auth's own admin route", async () => {
    const admin = await makeUser("admin");
    const session = { cookie: (await signIn(app.origin, admin.email)).cookie, origin: APP_ORIGIN };
    for (const password of ["short-1", "password1234", "qwertyuiop123", "iloveyou12345"]) {
      const viaTrpc = await trpc(
        app.origin,
        "users.create",
        { email: `weak-${Date.now()}@example.test`, role: "viewer", password },
        { headers: session },
      );
      expect(viaTrpc.status, password).toBe(400);
      const viaAuth = await fetch(`${app.origin}/api/auth/admin/create-user`, {
        method: "POST",
        headers: { ...session, "content-type": "application/json" },
        body: JSON.stringify({ email: `weak-auth-${Date.now()}@example.test`, password, name: "Weak", role: "viewer" }),
      });
      expect(viaAuth.status, password).toBe(404); // better-auth's admin routes are closed over HTTP (auth-doors.test.ts)
    }
    const strong = await trpc(
      app.origin,
      "users.create",
      { email: `strong-${Date.now()}@example.test`, role: "viewer", password: "harbor-tinsel-quokka-17" },
      { headers: session },
    );
    expect(strong.status).toBe(200);
    const made = await db().user.findUniqueOrThrow({ where: { id: (strong.body.result.data as { id: string }).id } });
    expect(made.mustChangePassword).toBe(true);
  });
});
