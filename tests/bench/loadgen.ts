// The benchmark's load generator, run in a process of its own (the server under
// test keeps its event loop to itself): N keep-alive HTTP/1.1 connections, each
// with one request in flight at a time (a closed loop), over raw sockets so the
// generator spends as little of the machine's 2 CPUs as it can.
//
//   node --import tsx tests/bench/loadgen.ts '<LoadSpec as JSON>'   → one JSON line (LoadResult) on stdout
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { stats, type Stats } from "./lib";

export type LoadSpec = {
  host: string;
  port: number;
  /** What each request is: a cancel of the next unused job id (three transports), or a fixed GET. */
  kind: "trpc-cancel" | "rest-cancel" | "floor-cancel" | "get";
  /** For "get": the path (with query). */
  path?: string;
  authorization?: string;
  /** Several credentials: connection i sends authorizations[i % n] (e.g. one API key per connection). Overrides `authorization`. */
  authorizations?: string[];
  /** For cancels: a file with one job id a line; each request uses the next one, once. */
  idsFile?: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Stop issuing after this many requests in all (warm-up included). */
  maxRequests?: number;
  /** A 2xx body must contain this (e.g. `"status":"cancelled"`), else it counts as an error. */
  expect?: string;
};

export type LoadResult = {
  kind: LoadSpec["kind"];
  concurrency: number;
  warmupRequests: number;
  /** Requests completed inside the measuring window. */
  completed: number;
  windowMs: number;
  rps: number;
  /** Latency of the requests that started inside the window, ms. */
  latency: Stats;
  statuses: Record<string, number>;
  errors: number;
  firstError: string | null;
  idsUsed: number;
  idsExhausted: boolean;
  /** CPU the generator itself used in the window, ms (user + system). */
  loadgenCpuMs: number;
  /** …and over its whole life (start-up and warm-up included). */
  loadgenCpuTotalMs: number;
};

type Response = { status: number; body: Buffer; close: boolean };

/** One keep-alive HTTP/1.1 connection; one request at a time. */
class Connection {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve(r: Response): void; reject(e: Error): void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    // Events of a socket this connection already dropped are ignored.
    socket.on("data", (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse(false);
    });
    socket.on("end", () => {
      if (this.socket === socket) this.parse(true);
    });
    socket.on("error", (error) => {
      if (this.socket === socket) this.fail(error);
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.fail(new Error("connection closed before the response ended"));
    });
    return socket;
  }

  request(bytes: Buffer): Promise<Response> {
    if (!this.socket) this.socket = this.open();
    this.buffer = Buffer.alloc(0);
    return new Promise<Response>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket?.write(bytes);
    });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  private parse(ended: boolean): void {
    if (!this.pending) return;
    const buf = this.buffer;
    const headerEnd = buf.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = buf.toString("latin1", 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const close = /\r\nconnection:\s*close/.test(lower);
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    let body: Buffer | null = null;
    if (lengthMatch) {
      const length = Number(lengthMatch[1]);
      if (buf.length >= headerEnd + 4 + length) body = buf.subarray(headerEnd + 4, headerEnd + 4 + length);
    } else if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
      body = dechunk(buf, headerEnd + 4);
    } else if (status === 204 || status === 304 || status < 200) {
      body = Buffer.alloc(0);
    } else if (ended) {
      body = buf.subarray(headerEnd + 4);
    }
    if (!body) return;
    const pending = this.pending;
    this.pending = null;
    if (close) {
      this.socket?.destroy();
      this.socket = null;
    }
    pending.resolve({ status, body, close });
  }

  destroy(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** The body of a complete chunked message starting at `from`, or null while incomplete. */
function dechunk(buf: Buffer, from: number): Buffer | null {
  const parts: Buffer[] = [];
  let pos = from;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", pos);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString("latin1", pos, lineEnd).split(";")[0] ?? "", 16);
    if (Number.isNaN(size)) throw new Error("bad chunk size");
    if (size === 0) {
      // The last chunk, then (no trailers) the final CRLF.
      return buf.length >= lineEnd + 4 ? Buffer.concat(parts) : null;
    }
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
}

function requestBuilder(spec: LoadSpec, authorization: string | undefined): (id: string | undefined) => Buffer {
  const host = `Host: ${spec.host}:${spec.port}\r\n`;
  const auth = authorization ? `Authorization: ${authorization}\r\n` : "";
  const post = (path: string, body: string) =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  switch (spec.kind) {
    case "trpc-cancel":
      return (id) => post("/api/trpc/finetuning.cancel", JSON.stringify({ finetuning_id: id }));
    case "rest-cancel":
      return (id) => post(`/api/v1/finetunings/${id}/cancel`, JSON.stringify({ finetuning_id: id }));
    case "floor-cancel":
      return (id) => post("/cancel", JSON.stringify({ finetuning_id: id }));
    case "get": {
      const bytes = Buffer.from(`GET ${spec.path ?? "/"} HTTP/1.1\r\n${host}${auth}\r\n`);
      return () => bytes;
    }
  }
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const ids = spec.idsFile ? readFileSync(spec.idsFile, "utf8").split("\n").filter(Boolean) : [];
  const needsIds = spec.kind !== "get";
  const limit = Math.min(needsIds ? ids.length : Infinity, spec.maxRequests ?? Infinity);
  const builders = (spec.authorizations?.length ? spec.authorizations : [spec.authorization]).map((a) => requestBuilder(spec, a));
  const latencies = new Float64Array(Math.min(Number.isFinite(limit) ? limit : 2_000_000, 2_000_000));
  let recorded = 0;
  let next = 0;
  let warmupRequests = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  let exhausted = false;
  const statuses: Record<string, number> = {};

  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const measureTo = measureFrom + spec.durationMs;
  let cpuAtWindow: NodeJS.CpuUsage | null = null;
  const cpuTimer = setTimeout(() => (cpuAtWindow = process.cpuUsage()), spec.warmupMs);

  const loop = async (_: unknown, index: number) => {
    const build = builders[index % builders.length] as (id: string | undefined) => Buffer;
    const conn = new Connection(spec.host, spec.port);
    try {
      for (;;) {
        const now = performance.now();
        if (now >= measureTo) return;
        if (next >= limit) {
          exhausted = needsIds && next >= ids.length;
          return;
        }
        const i = next++;
        const bytes = build(ids[i]);
        const t0 = performance.now();
        let response: Response;
        try {
          response = await conn.request(bytes);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
          conn.destroy();
          continue;
        }
        const t1 = performance.now();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        const ok = response.status >= 200 && response.status < 300 && (!spec.expect || response.body.includes(spec.expect));
        if (!ok) {
          errors++;
          firstError ??= `HTTP ${response.status}: ${response.body.toString("utf8", 0, Math.min(response.body.length, 300))}`;
        }
        if (t1 >= measureFrom && t1 <= measureTo) completed++;
        if (t0 >= measureFrom) {
          if (recorded < latencies.length) latencies[recorded++] = t1 - t0;
        } else warmupRequests++;
      }
    } finally {
      conn.destroy();
    }
  };

  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  clearTimeout(cpuTimer);
  const end = performance.now();
  const cpu = process.cpuUsage(cpuAtWindow ?? undefined);
  // The window ends at its deadline, or earlier when the ids (or maxRequests) ran out.
  const windowMs = Math.max(1, Math.min(end, measureTo) - measureFrom);
  return {
    kind: spec.kind,
    concurrency: spec.concurrency,
    warmupRequests,
    completed,
    windowMs,
    rps: (completed / windowMs) * 1000,
    latency: stats(latencies, recorded),
    statuses,
    errors,
    firstError,
    idsUsed: next,
    idsExhausted: exhausted,
    loadgenCpuMs: (cpu.user + cpu.system) / 1000,
    loadgenCpuTotalMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
  // Bounded whatever happens: warm-up + window + 30 s.
  setTimeout(
    () => {
      console.error("loadgen: hard time limit reached");
      process.exit(2);
    },
    spec.warmupMs + spec.durationMs + 30_000,
  ).unref();
  runLoad(spec).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
