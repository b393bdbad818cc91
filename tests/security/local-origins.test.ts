import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// APP_URL unset: the app is used from this machine, by whichever loopback
// name the browser has (localhost, 127.0.0.1, [::1]) on the port. Read before
// any server code runs.
delete process.env.APP_URL;
process.env.PORT = "3999";
const { appOrigins } = await import("../../server/env");
const { makeUser, PASSWORD, startSecureApp, trpc } = await import("./app");

let app: Awaited<ReturnType<typeof startSecureApp>>;
beforeAll(async () => {
  app = await startSecureApp({ allAddresses: true });
});
afterAll(async () => {
  await app.close();
});

async function signInFrom(origin: string, email: string, server = app.origin) {
  return fetch(`${server}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
}

describe("any local address, with APP_URL unset", () => {
  it("trusts every loopback name on the port, and nothing else", () => {
    expect(appOrigins()).toEqual(["http://localhost:3999", "http://127.0.0.1:3999", "http://[::1]:3999"]);
  });

  it("signs in from localhost, 127.0.0.1 and [::1]; refuses another origin", async () => {
    const user = await makeUser("operator");
    for (const origin of appOrigins()) {
      const response = await signInFrom(origin, user.email);
      expect(response.status, origin).toBe(200);
      const cookie = response.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      // The session's mutations from that origin pass the cross-site check.
      const call = await trpc(
        app.origin,
        "finetuning.cancel",
        { finetuning_id: "0190b6c4-0000-7000-8000-000000000000" },
        { headers: { cookie, origin } },
      );
      expect(call.status, origin).toBe(404);
    }
    expect((await signInFrom("http://evil.example", user.email)).status).toBe(403);
  });

  it("is reachable at each of those addresses: the server listens on IPv6 and IPv4", async () => {
    const user = await makeUser("viewer");
    for (const origin of appOrigins()) {
      const { hostname } = new URL(origin);
      const response = await signInFrom(origin, user.email, `http://${hostname}:${app.port}`);
      expect(response.status, origin).toBe(200);
    }
  });
});
