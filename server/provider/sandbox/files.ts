// Files: upload, processing (validation revealed after a delay, like OpenAI),
// retrieval and deletion. A file's status follows from its upload time and
// the timings, so it needs no timer and no write to "finish" processing.
import { ApiError, newId, nowSeconds } from "./http";
import { view, type Core, type View } from "./view";
import type { FileRecord } from "./state";
import type { FileJson, SandboxFile } from "./types";
import { checkFineTuneFile, tooFewToTrain } from "./validate";

export const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

function processed(file: FileRecord, at: View): boolean {
  return at.clock.nowMs - file.createdMs >= at.timings.fileProcessingMs;
}

export function fileJson(file: FileRecord, at: View): FileJson {
  const done = processed(file, at);
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose as FileJson["purpose"],
    status: !done ? "uploaded" : file.verdict.ok ? "processed" : "error",
    status_details: done && !file.verdict.ok ? file.verdict.message : null,
  };
}

export function sandboxFile(file: FileRecord, at: View): SandboxFile {
  return { ...fileJson(file, at), deleted: file.deleted };
}

export async function uploadFile(core: Core, filename: string, purpose: string, content: Buffer): Promise<FileJson> {
  if (!PURPOSES.has(purpose)) {
    throw new ApiError(
      400,
      `'${purpose}' is not one of ${[...PURPOSES].map((p) => `'${p}'`).join(", ")} - 'purpose'`,
      "invalid_request_error",
      "purpose",
    );
  }
  // Only fine-tune files are checked; other purposes are just stored.
  const verdict = purpose === "fine-tune" ? checkFineTuneFile(content.toString("utf8")) : { ok: true as const, examples: 0, tokens: 0 };
  const at = await view(core);
  const file: FileRecord = {
    id: newId("file"),
    filename,
    purpose,
    bytes: content.length,
    createdAt: nowSeconds(),
    createdMs: at.clock.nowMs,
    verdict,
    deleted: false,
  };
  await core.store.insertFile(file, content);
  return fileJson(file, at);
}

async function liveFile(core: Core, id: string): Promise<FileRecord> {
  const file = await core.store.getFile(id);
  if (!file || file.deleted) throw new ApiError(404, `No such File object: ${id}`, "invalid_request_error", "id");
  return file;
}

/** A live (not deleted) file, or OpenAI's 404. */
export async function getFile(core: Core, id: string): Promise<FileJson> {
  return fileJson(await liveFile(core, id), await view(core));
}

export async function fileContent(core: Core, id: string): Promise<Buffer> {
  await liveFile(core, id);
  return (await core.store.fileContent(id)) ?? Buffer.alloc(0);
}

export async function deleteFile(core: Core, id: string): Promise<{ id: string; object: "file"; deleted: true }> {
  await liveFile(core, id);
  await core.store.markFileDeleted(id);
  return { id, object: "file", deleted: true };
}

export async function allFiles(core: Core): Promise<SandboxFile[]> {
  const at = await view(core);
  return (await core.store.listFiles()).map((f) => sandboxFile(f, at));
}

export async function listFiles(
  core: Core,
  opts: { purpose: string | null; after: string | null; limit: number; order: "asc" | "desc" },
): Promise<{ object: "list"; data: FileJson[]; has_more: boolean; first_id: string | null; last_id: string | null }> {
  const at = await view(core);
  let files = (await core.store.listFiles()).filter((f) => !f.deleted && (opts.purpose === null || f.purpose === opts.purpose));
  if (opts.order === "desc") files.reverse();
  if (opts.after !== null) {
    const index = files.findIndex((f) => f.id === opts.after);
    files = index === -1 ? [] : files.slice(index + 1);
  }
  const data = files.slice(0, opts.limit).map((f) => fileJson(f, at));
  return {
    object: "list",
    data,
    has_more: files.length > opts.limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

/** A file a job may train (or validate) on, or OpenAI's 400 (missing, wrong purpose, not ready, invalid, too few examples to train on). */
export async function usableTrainingFile(core: Core, id: string, param: string): Promise<{ examples: number; tokens: number }> {
  const file = await core.store.getFile(id);
  if (!file || file.deleted) throw new ApiError(400, `invalid ${param}: ${id}`, "invalid_request_error", param, "invalid_file");
  if (file.purpose !== "fine-tune") {
    throw new ApiError(
      400,
      `File ${id} has purpose '${file.purpose}'; fine-tuning needs purpose 'fine-tune'.`,
      "invalid_request_error",
      param,
      "invalid_file",
    );
  }
  if (!processed(file, await view(core))) {
    throw new ApiError(
      400,
      `File ${id} is not ready. It is still being processed; retry when its status is 'processed'.`,
      "invalid_request_error",
      param,
      "file_not_ready",
    );
  }
  const unusable = (why: string) =>
    new ApiError(400, `File ${id} cannot be used for fine-tuning: ${why}`, "invalid_request_error", param, "invalid_file");
  if (!file.verdict.ok) throw unusable(file.verdict.message);
  const tooFew = param === "training_file" ? tooFewToTrain(file.verdict.examples) : null;
  if (tooFew !== null) throw unusable(tooFew);
  return { examples: file.verdict.examples, tokens: file.verdict.tokens };
}
