// Cancels a fine-tuning job with the typed client and prints it. A service of
// your own imports the same from "@finetuning-control-room/client" (README).
//   CONTROL_ROOM_URL=http://localhost:3000 CONTROL_ROOM_API_KEY=ftcr_… npx tsx examples/cancel-with-client.ts <job id>
import { createFinetuningClient, isFinetuningApiError } from "../server/client/index";

async function main(): Promise<number> {
  const url = process.env.CONTROL_ROOM_URL;
  const apiKey = process.env.CONTROL_ROOM_API_KEY;
  const jobId = process.argv[2];
  if (!url || !apiKey || !jobId) {
    console.error("usage: CONTROL_ROOM_URL=… CONTROL_ROOM_API_KEY=… tsx examples/cancel-with-client.ts <job id>");
    return 2;
  }
  const client = createFinetuningClient({ url, apiKey, timeoutMs: 30_000, retry: true });
  try {
    const job = await client.finetuning.cancel.mutate({
      finetuning_id: jobId,
      metadata: { cancelled_from: "examples/cancel-with-client.ts" },
    });
    console.log(JSON.stringify(job, null, 2));
    return 0;
  } catch (error) {
    if (!isFinetuningApiError(error)) throw error;
    console.error(`${error.code}: ${error.message}`);
    return 1;
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
