import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";

// An empty database of its own, as on a fresh clone's first start.
await useIsolatedDatabase();
const { db } = await import("../../server/db");
const { stopQueue } = await import("../../server/worker/queue");
const { startSecureApp, signIn, trpc } = await import("./app");

let app: Awaited<ReturnType<typeof startSecureApp>>;
beforeAll(async () => {
  app = await startSecureApp();
});
afterAll(async () => {
  await app.close();
  await stopQueue();
});

describe("first admin: the printed password must be changed at the first sign-in", () => {
  it("signs in with the printed password, is held at the password change, then works with its own", async () => {
    const { firstStart, FIRST_ADMIN_EMAIL } = await import("../../scripts/first-start");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await firstStart({ seed: true });
    const printed = log.mock.calls.map((call) => call.join(" ")).join("\n");
    log.mockRestore();
    const password = /password: (\S+)/.exec(printed)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(12);

    const first = await signIn(app.origin, FIRST_ADMIN_EMAIL, password);
    expect(first.status).toBe(200);
    const held = await trpc(app.origin, "finetuning.list", {}, { method: "GET", headers: { cookie: first.cookie } });
    expect(held.status).toBe(403);

    const { changeOwnPassword } = await import("../../server/auth/password-change");
    await expect(
      changeOwnPassword({ headers: new Headers({ cookie: first.cookie }), currentPassword: password!, newPassword: password! }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await changeOwnPassword({
      headers: new Headers({ cookie: first.cookie }),
      currentPassword: password!,
      newPassword: "saffron-glacier-pylon-63",
    });
    expect((await signIn(app.origin, FIRST_ADMIN_EMAIL, password)).status).toBe(401);
    const own = await signIn(app.origin, FIRST_ADMIN_EMAIL, "saffron-glacier-pylon-63");
    expect(own.status).toBe(200);
    expect((await trpc(app.origin, "finetuning.list", {}, { method: "GET", headers: { cookie: own.cookie } })).status).toBe(200);
    expect((await db().user.findUniqueOrThrow({ where: { email: FIRST_ADMIN_EMAIL } })).mustChangePassword).toBe(false);
  });
});
