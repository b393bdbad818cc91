import { apiAs, expect, makeRunningJob, sandboxControlHeaders, sandboxOrigin, test } from "./fixtures";

type SandboxJob = { id: string; status: string; metadata: Record<string, string> | null };

async function sandboxList<T>(what: "jobs" | "files"): Promise<T[]> {
  const body = (await fetch(`${sandboxOrigin()}/_sandbox/${what}`, { headers: sandboxControlHeaders() }).then((r) => r.json())) as {
    data: T[];
  };
  return body.data;
}

// The product as `npm start` runs it: worker in-process, the sandbox as provider.
test.describe("the running product", () => {
  test("seeded queued jobs are taken through the sandbox by the worker", async () => {
    const api = apiAs("viewer");
    await expect
      .poll(
        async () =>
          (await api.finetuning.list.query({ limit: 100 })).items.filter(
            (j) => j.alias?.startsWith("retail-sql-v3") && j.status === "running",
          ).length,
        { timeout: 30_000 },
      )
      .toBe(2);
  });

  test("a cancel of a running job stops it at the provider and deletes its training file", async () => {
    const job = await makeRunningJob();
    expect(job.finetuning_job_id).toBeTruthy();
    const cancelled = await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id, metadata: { reason: "e2e" } });
    expect(cancelled).toMatchObject({ status: "cancelled", error: "Fine tuning cancelled by the user", metadata: { reason: "e2e" } });
    const there = (await sandboxList<SandboxJob>("jobs")).find((j) => j.id === job.finetuning_job_id);
    expect(there?.status).toBe("cancelled");
    // Jobs over the same golden records share one file: it goes with its last user, not before.
    await expect
      .poll(async () => {
        const users = (await apiAs("viewer").finetuning.list.query({ limit: 100 })).items.filter(
          (j) => j.id !== job.id && j.finetuning_file_id === job.finetuning_file_id && !["cancelled", "failed"].includes(j.status),
        );
        const files = await sandboxList<{ id: string; deleted: boolean }>("files");
        const deleted = files.find((f) => f.id === job.finetuning_file_id)?.deleted;
        return users.length > 0 ? (deleted ? "deleted while in use" : "kept for its other users") : deleted ? "deleted" : "still there";
      })
      .toMatch(/^(deleted|kept for its other users)$/);
  });
});
