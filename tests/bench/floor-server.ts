// The floor: the least a server can do to cancel a job over HTTP — bare
// node:http + pg (Pool 10), one guarded UPDATE … RETURNING * a request, no
// auth, no event row, no framework. Same table, same Postgres as the product.
//
//   DATABASE_URL=… PORT=… [FLOOR_NO_TRIGGERS=1] node --import tsx tests/bench/floor-server.ts
// FLOOR_NO_TRIGGERS=1 sets session_replication_role=replica on its connections,
// so the table's NOTIFY trigger does not fire; FLOOR_ASYNC_COMMIT=1 sets
// synchronous_commit=off. Both are diagnostics, not the floor.
import { createServer } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// Diagnostics (not the floor): FLOOR_NO_TRIGGERS=1 skips the table's triggers; FLOOR_ASYNC_COMMIT=1 does not wait for the WAL flush.
const settings = [
  ...(process.env.FLOOR_NO_TRIGGERS === "1" ? ["SET session_replication_role = replica"] : []),
  ...(process.env.FLOOR_ASYNC_COMMIT === "1" ? ["SET synchronous_commit = off"] : []),
];
if (settings.length) pool.on("connect", (client) => void client.query(settings.join("; ")));

const CANCEL = {
  name: "floor-cancel",
  text: `UPDATE finetuning_jobs SET status = 'cancelled', error = 'Fine tuning cancelled by the user', updated_at = now(), cancelled_at = now(), finished_at = now()
         WHERE id = $1 AND status IN ('queued', 'validating_files', 'running') RETURNING *`,
};

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/cancel") {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let id: unknown;
    try {
      id = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { finetuning_id?: unknown }).finetuning_id;
    } catch {
      res.writeHead(400).end();
      return;
    }
    pool.query({ ...CANCEL, values: [id] }).then(
      (result) => {
        const row: unknown = result.rows[0];
        const body = JSON.stringify(row ?? { error: "not found or not active" });
        res.writeHead(row ? 200 : 409, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      },
      (error: unknown) => {
        console.error(error);
        res.writeHead(500).end();
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("floor: ready"));

const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
