import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS } from "../../server/rate-limit/failures";
import { APP_ORIGIN, makeUser, PASSWORD, useSecureApp } from "./app";
import { rawChunkedRequest, requestFrom } from "./raw";

const app = useSecureApp();

// A loopback address of this test's own, so other files' failures from 127.0.0.1 don't count here.
let nextHost = 10 + (process.pid % 200);
const freshAddress = () => `127.0.${nextHost}.${1 + (Date.now() % 250)}`;
const bump = () => `127.0.${10 + (++nextHost % 240)}.${1 + (Date.now() % 250)}`;

function signInFrom(localAddress: string, email: string, password: string) {
  return requestFrom({
    origin: app.origin,
    method: "POST",
    path: "/api/auth/sign-in/email",
    headers: { "content-type": "application/json", origin: APP_ORIGIN },
    body: JSON.stringify({ email, password }),
    localAddress,
  });
}
function cookieOf(headers: Record<string, string | string[] | undefined>): string {
  const set = headers["set-cookie"];
  return (Array.isArray(set) ? set : set ? [set] : []).map((c) => c.split(";")[0]).join("; ");
}

describe("review 3: /api/auth bodies are read only up to their limit, chunked ones included", () => {
  it("a chunked body past 64 KiB is a 413 without being read to its end", async () => {
    for (const target of ["/api/auth/sign-in/email", "/api/auth/sign-out"]) {
      const answer = await rawChunkedRequest({
        origin: app.origin,
        method: "POST",
        target,
        headers: { origin: APP_ORIGIN },
        sent: 128 * 1024,
      });
      expect(answer.status, target).toBe(413);
    }
  });
});

describe("review 4: concurrent wrong passwords cannot beat the per-account limit", () => {
  it("40 parallel wrong sign-ins for one account: 5 reach the password check (401), the rest are 429", async () => {
    const user = await makeUser("viewer");
    const address = bump();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signInFrom(address, user.email, `wrong-password-${i}`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40 - SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS);
  });
});

describe("review 8: a guesser elsewhere cannot lock the real user out", () => {
  it("5 wrong passwords from one address limit that address for the account, not the user at another address", async () => {
    const user = await makeUser("viewer");
    const guesser = bump();
    for (let i = 0; i < SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS; i++)
      expect((await signInFrom(guesser, user.email, `guess-${i}`)).status).toBe(401);
    expect((await signInFrom(guesser, user.email, PASSWORD)).status).toBe(429);
    expect((await signInFrom(bump(), user.email, PASSWORD)).status).toBe(200);
  });
});

describe("review 5: better-auth's own admin routes are closed over HTTP", () => {
  it("an admin who must still change the password, and any other admin, get 404 from /api/auth/admin/*", async () => {
    const viewer = await makeUser("viewer");
    for (const mustChangePassword of [true, false]) {
      const admin = await makeUser("admin", { mustChangePassword });
      const signedIn = await signInFrom(bump(), admin.email, PASSWORD);
      expect(signedIn.status).toBe(200);
      const headers = { cookie: cookieOf(signedIn.headers), origin: APP_ORIGIN, "content-type": "application/json" };
      const calls: Array<[string, unknown]> = [
        ["/api/auth/admin/set-role", { userId: viewer.id, role: "admin" }],
        [
          "/api/auth/admin/create-user",
          { email: `made-${Date.now()}@example.test`, password: "harbor-tinsel-quokka-17", name: "x", role: "admin" },
        ],
        ["/api/auth/Admin/set-role", { userId: viewer.id, role: "admin" }],
        ["/api/auth/admin/list-users", undefined],
      ];
      for (const [path, body] of calls) {
        const response = await fetch(`${app.origin}${path}`, {
          method: body === undefined ? "GET" : "POST",
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(response.status, `${path} mustChangePassword=${mustChangePassword}`).toBe(404);
      }
    }
    expect((await db().user.findUniqueOrThrow({ where: { id: viewer.id } })).role).toBe("viewer");
  });
});

describe("review 7: guessing the current password through a password change is limited", () => {
  it("better-auth's /api/auth/change-password: 5 wrong current passwords, then 429 even for the right one", async () => {
    const user = await makeUser("viewer");
    const address = bump();
    const signedIn = await signInFrom(address, user.email, PASSWORD);
    expect(signedIn.status).toBe(200);
    const change = (currentPassword: string) =>
      requestFrom({
        origin: app.origin,
        method: "POST",
        path: "/api/auth/change-password",
        headers: { cookie: cookieOf(signedIn.headers), origin: APP_ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ currentPassword, newPassword: "quarry-lantern-mosaic-81" }),
        localAddress: address,
      });
    for (let i = 0; i < SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS; i++) expect((await change(`not-it-${i}`)).status).toBe(400);
    expect((await change(PASSWORD)).status).toBe(429);
  });

  it("our own password change (the new-password page) counts the same way", async () => {
    const { CLIENT_ADDRESS_HEADER } = await import("../../server/auth/client-address");
    const { changeOwnPassword } = await import("../../server/auth/password-change");
    const user = await makeUser("viewer");
    const address = freshAddress();
    const signedIn = await signInFrom(bump(), user.email, PASSWORD);
    const headers = new Headers({ cookie: cookieOf(signedIn.headers), [CLIENT_ADDRESS_HEADER]: address });
    for (let i = 0; i < SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS; i++) {
      await expect(
        changeOwnPassword({ headers, currentPassword: `not-it-${i}`, newPassword: "quarry-lantern-mosaic-81" }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", field: "currentPassword" });
    }
    await expect(changeOwnPassword({ headers, currentPassword: PASSWORD, newPassword: "quarry-lantern-mosaic-81" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
  });
});
