import { db } from "../../server/db";
import type { FinetuningProvider } from "../../server/provider/types";
import { makeJob } from "./factories";
import { uploadProcessedFile } from "./provider";
import { waitFor } from "./worker";

/** A local job in `running` whose provider job (at the sandbox) is training. */
export async function makeTrainingJob(provider: FinetuningProvider) {
  const fileId = await uploadProcessedFile(provider);
  const providerJob = await provider.createJob({
    jobId: crypto.randomUUID(),
    fileId,
    model: "gpt-4o-mini-2024-07-18",
    parameters: null,
    suffix: null,
  });
  await waitFor(
    () => provider.retrieveJob(providerJob.id),
    (j) => j.status === "running",
  );
  const job = await makeJob(db(), { status: "running", finetuningJobId: providerJob.id, finetuningFileId: fileId });
  return { job, providerJobId: providerJob.id };
}
