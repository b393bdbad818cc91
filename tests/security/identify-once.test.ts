import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { auth } from "../../server/auth/auth";
import { makeUser, signIn, useSecureApp } from "./app";
import { rest } from "../helpers/rest";

// A REST request identifies its caller once (a session is a database read
// better-auth makes each time it is asked): not in its transport, again for
// the Idempotency-Key's scope, and again in the procedure's context.

const app = useSecureApp();
afterEach(() => vi.restoreAllMocks());

describe("one identification per REST request", () => {
  it("a session's POST with Idempotency-Key looks the session up once, replay or not", async () => {
    const user = await makeUser("operator");
    const { cookie } = await signIn(app.origin, user.email);
    const lookups = vi.spyOn(auth().api, "getSession");
    const path = `/api/v1/finetunings/${randomUUID()}/cancel`;
    for (const round of [1, 2]) {
      lookups.mockClear();
      const call = await rest(app.origin, "POST", path, { json: {}, headers: { cookie, "idempotency-key": "once" } });
      expect(call.status, `round ${round}`).toBe(404);
      expect(lookups, `round ${round}`).toHaveBeenCalledTimes(1);
    }
  });

  it("a session's GET looks it up once too", async () => {
    const user = await makeUser("viewer");
    const { cookie } = await signIn(app.origin, user.email);
    const lookups = vi.spyOn(auth().api, "getSession");
    const call = await rest(app.origin, "GET", "/api/v1/finetunings", { headers: { cookie } });
    expect(call.status).toBe(200);
    expect(lookups).toHaveBeenCalledTimes(1);
  });
});
