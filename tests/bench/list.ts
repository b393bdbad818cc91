// The list at BENCH_JOBS (1,000,000) jobs: the service called in this process (first page
// and a page deep down, by keyset cursor), its SQL statements, and the same
// over tRPC HTTP.
import { countStatements } from "./statements";
import { loadCase, quietly, timeCalls } from "./cases";
import { DEEP_PAGE, LIST_ITERATIONS, LIST_LIMIT, log, type BenchContext } from "./context";

export async function measureList(ctx: BenchContext) {
  const { listJobs } = await import("../../server/finetuning/service");
  const { listJobsInputSchema } = await import("../../server/finetuning/schema");
  const { encodeCursor } = await import("../../server/finetuning/cursor");
  const { db } = await import("../../server/db");
  const database = db();
  const firstInput = listJobsInputSchema.parse({ limit: LIST_LIMIT });
  const deepRow = (
    await ctx.admin.query<{ id: string; created_at: Date }>(
      "SELECT id, created_at FROM finetuning_jobs WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
      [(DEEP_PAGE - 1) * LIST_LIMIT - 1],
    )
  ).rows[0];
  if (!deepRow) throw new Error("no row for the deep cursor");
  const deepCursor = encodeCursor({ createdAt: deepRow.created_at, id: deepRow.id });
  // Check the constructed cursor against walking the pages.
  let walked: string | null = null;
  for (let page = 1; page < DEEP_PAGE; page++) {
    walked = (await listJobs({ db: database, input: listJobsInputSchema.parse({ limit: LIST_LIMIT, cursor: walked ?? undefined }) }))
      .next_cursor;
  }
  if (walked !== deepCursor) throw new Error(`the constructed page-${DEEP_PAGE} cursor differs from the walked one`);
  const deepInput = listJobsInputSchema.parse({ limit: LIST_LIMIT, cursor: deepCursor });
  const deepPage = await listJobs({ db: database, input: deepInput });
  if (deepPage.items.length !== LIST_LIMIT) throw new Error("the deep page is not full");
  const busyBeforeList = await quietly("the in-process list");
  const listServer = {
    busyCpusBefore: busyBeforeList,
    first: await timeCalls(LIST_ITERATIONS, 200, () => listJobs({ db: database, input: firstInput })),
    deep: await timeCalls(LIST_ITERATIONS, 200, () => listJobs({ db: database, input: deepInput })),
  };
  log(
    `list in-process: first p50 ${listServer.first.p50.toFixed(3)} ms p99 ${listServer.first.p99.toFixed(3)}; page ${DEEP_PAGE} p50 ${listServer.deep.p50.toFixed(3)} p99 ${listServer.deep.p99.toFixed(3)}`,
  );
  const listStatements = await countStatements(ctx.admin, ctx.pgLog, 20, () => listJobs({ db: database, input: deepInput }));
  const listPath = (input: unknown) => `/api/trpc/finetuning.list?input=${encodeURIComponent(JSON.stringify(input))}`;
  const httpCase = (name: string, input: unknown) =>
    loadCase({
      name,
      spec: {
        host: "127.0.0.1",
        port: ctx.app.port,
        kind: "get",
        path: listPath(input),
        authorization: ctx.authorization,
        concurrency: 1,
        warmupMs: 1_000,
        durationMs: 5_000,
        expect: '"items"',
      },
      tmp: ctx.tmp,
      serverPid: ctx.app.pid,
      pgDataDir: ctx.pgDataDir,
    });
  const listHttp = {
    first: await httpCase("list first page (tRPC HTTP)", { limit: LIST_LIMIT }),
    deep: await httpCase(`list page ${DEEP_PAGE} (tRPC HTTP)`, { limit: LIST_LIMIT, cursor: deepCursor }),
  };
  return { listServer, listHttp, listStatements };
}
