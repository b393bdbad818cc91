// The same client from a CommonJS service: `require` gets the CJS build and its own declarations.
import { createFinetuningClient, isFinetuningApiError } from "@finetuning-control-room/client";

async function main(): Promise<void> {
  const api = createFinetuningClient({ url: process.env.CONTROL_ROOM_URL ?? "", apiKey: process.env.CONTROL_ROOM_API_KEY ?? "" });
  const page = await api.finetuning.list.query({ db_connection_id: process.argv[2] });
  console.log(JSON.stringify({ step: "list", value: page.items.map((job) => job.id) }));
  const error: unknown = await api.finetuning.get.query({ finetuning_id: "00000000-0000-4000-8000-000000000000" }).catch((e: unknown) => e);
  console.log(JSON.stringify({ step: "not-found", value: isFinetuningApiError(error) ? error.code : String(error) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
