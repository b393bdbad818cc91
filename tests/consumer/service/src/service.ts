// A service that depends on the control room's client, written as a new team
// would: list a connection's jobs, cancel a running one, handle the CONFLICT of
// cancelling a finished one, and see the cancel arrive on the live feed.
// Prints one JSON line per step; the consumer test reads them.
//   CONTROL_ROOM_URL=… CONTROL_ROOM_API_KEY=… node dist/service.js <connection id> <running job id> <finished job id>
import { createFinetuningClient, FinetuningApiError, type FinetuningJob } from "@finetuning-control-room/client";

const url = process.env.CONTROL_ROOM_URL;
const apiKey = process.env.CONTROL_ROOM_API_KEY;
const [connectionId, runningId, finishedId] = process.argv.slice(2);
if (!url || !apiKey || !connectionId || !runningId || !finishedId) {
  console.error("usage: CONTROL_ROOM_URL=… CONTROL_ROOM_API_KEY=… service <connection id> <running job id> <finished job id>");
  process.exit(2);
}

const api = createFinetuningClient({ url, apiKey, timeoutMs: 15_000, retry: { attempts: 3 } });
const report = (step: string, value: unknown) => console.log(JSON.stringify({ step, value }));

/** Resolves with the first change of `jobId` to `status`; from event 0 on, so a change made before the stream opened is not missed. */
function changeOf(jobId: string, status: FinetuningJob["status"]): Promise<{ id: string; status: string }> {
  return new Promise((resolve, reject) => {
    const subscription = api.finetuning.onChange.subscribe(
      { db_connection_id: connectionId, lastEventId: "0" },
      {
        onData: ({ data: change }) => {
          if (change.id !== jobId || change.status !== status) return;
          subscription.unsubscribe();
          resolve({ id: change.id, status: change.status });
        },
        onError: (error) => {
          subscription.unsubscribe();
          reject(error);
        },
      },
    );
  });
}

const page = await api.finetuning.list.query({ db_connection_id: connectionId });
report(
  "list",
  page.items.map((job) => ({ id: job.id, status: job.status })),
);

const cancelled = await api.finetuning.cancel.mutate({ finetuning_id: runningId, metadata: { reason: "consumer service" } });
report("cancel", { id: cancelled.id, status: cancelled.status, metadata: cancelled.metadata });

try {
  await api.finetuning.cancel.mutate({ finetuning_id: finishedId });
  report("conflict", null);
} catch (error) {
  if (!(error instanceof FinetuningApiError)) throw error;
  report("conflict", { code: error.code, httpStatus: error.httpStatus, procedure: error.procedure, message: error.message });
}

report("change", await changeOf(runningId, "cancelled"));
