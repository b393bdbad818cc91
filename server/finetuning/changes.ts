import { EventEmitter, on } from "node:events";
import pg from "pg";
import { z } from "zod";
import { env } from "../env";
import { jobStatusSchema } from "./schema";

// Postgres LISTEN/NOTIFY → in-process fan-out. Every process that changes
// jobs announces the changes after they commit (./announce.ts); each app
// instance holds one listening connection, however many browsers watch.

export const JOB_CHANGED_CHANNEL = "finetuning_job_changed";

export const jobChangeSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  db_connection_id: z.string(),
  deleted: z.boolean(),
  updated_at: z.string(),
});
export type JobChange = z.infer<typeof jobChangeSchema>;

type Listener = { emitter: EventEmitter; ready: Promise<void> };
const globalForChanges = globalThis as unknown as { controlRoomJobChanges?: Listener };

function connect(emitter: EventEmitter): Promise<void> {
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  const reconnect = () => {
    client.removeAllListeners();
    client.end().catch(() => {});
    // Browsers reconcile on reconnect (they refetch), so a gap only delays updates.
    setTimeout(() => void connect(emitter).catch(() => reconnect()), 1_000).unref();
  };
  client.on("error", reconnect);
  client.on("notification", (message) => {
    if (message.channel !== JOB_CHANGED_CHANNEL || !message.payload) return;
    const parsed = z.array(jobChangeSchema).safeParse(JSON.parse(message.payload));
    if (parsed.success) for (const change of parsed.data) emitter.emit("change", change);
  });
  return client
    .connect()
    .then(() => client.query(`LISTEN ${JOB_CHANGED_CHANNEL}`))
    .then(() => undefined);
}

function listener(): Listener {
  if (!globalForChanges.controlRoomJobChanges) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const ready = connect(emitter).catch((error: unknown) => {
      globalForChanges.controlRoomJobChanges = undefined; // the next subscriber tries again
      throw error;
    });
    globalForChanges.controlRoomJobChanges = { emitter, ready };
  }
  return globalForChanges.controlRoomJobChanges;
}

/** Every job change from now on, until the signal aborts. */
export async function* jobChanges(signal?: AbortSignal): AsyncGenerator<JobChange> {
  const { emitter, ready } = listener();
  await ready;
  try {
    for await (const [change] of on(emitter, "change", { signal })) yield change as JobChange;
  } catch (error) {
    if (signal?.aborted) return; // the subscriber went away
    throw error;
  }
}
