import { createFinetuningClient } from "@finetuning-control-room/client";

const api = createFinetuningClient({ url: "http://localhost:3000", apiKey: "ftcr_x" });
await api.finetuning.cancel.mutate({ finetuning_idd: "2f1b6a4e-0000-4000-8000-000000000000" });
