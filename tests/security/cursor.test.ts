import "../helpers/env";
import { describe, expect, it } from "vitest";
import { trpc, useSecureApp } from "./app";

const app = useSecureApp({ keyRole: "viewer" });

const cursorOf = (createdAt: string) =>
  Buffer.from(JSON.stringify([createdAt, "00000000-0000-4000-8000-000000000000"])).toString("base64url");

describe("review 8: a crafted cursor is a 400 naming `cursor`, never a 500", () => {
  it("dates JavaScript accepts but Postgres cannot store, on REST and tRPC", async () => {
    const headers = { authorization: `Bearer ${app.key}` };
    for (const date of [
      "-271821-04-20T00:00:00.000Z",
      "+275760-09-13T00:00:00.000Z",
      "-004714-01-01T00:00:00.000Z",
      "2026-02-30T00:00:00Z",
    ]) {
      const cursor = cursorOf(date);
      const rest = await fetch(`${app.origin}/api/v1/finetunings?cursor=${cursor}`, { headers });
      expect(rest.status, date).toBe(400);
      expect(((await rest.json()) as { error: { field?: string } }).error.field, date).toBe("cursor");
      const viaTrpc = await trpc(app.origin, "finetuning.list", { cursor }, { method: "GET", headers });
      expect(viaTrpc.status, date).toBe(400);
      expect(JSON.stringify(viaTrpc.body), date).toContain("cursor");
    }
  });
});
