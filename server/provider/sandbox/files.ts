// Files: upload, processing (validation revealed after a delay, like OpenAI),
// retrieval and deletion.
import { ApiError, newId, nowSeconds } from "./http";
import type { FileRecord, SandboxState } from "./state";
import type { FileJson, SandboxFile } from "./types";
import { checkTrainingFile } from "./validate";

export const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

export function fileJson(file: FileRecord): FileJson {
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose as FileJson["purpose"],
    status: file.status,
    status_details: file.statusDetails,
  };
}

export function sandboxFile(file: FileRecord): SandboxFile {
  return { ...fileJson(file), deleted: file.deleted };
}

/** (Re)arms the processing timer from the upload time and the current timings. */
export function scheduleFile(state: SandboxState, file: FileRecord): void {
  if (file.status !== "uploaded" || file.deleted) return;
  const remaining = file.createdMs + state.timings.fileProcessingMs - Date.now();
  state.schedule(`file:${file.id}`, remaining, () => {
    if (file.status !== "uploaded" || file.deleted) return;
    if (file.verdict.ok) {
      file.status = "processed";
    } else {
      file.status = "error";
      file.statusDetails = file.verdict.message;
    }
  });
}

export function uploadFile(state: SandboxState, filename: string, purpose: string, content: Buffer): FileRecord {
  if (!PURPOSES.has(purpose)) {
    throw new ApiError(400, `'${purpose}' is not one of ${[...PURPOSES].map((p) => `'${p}'`).join(", ")} - 'purpose'`, "invalid_request_error", "purpose");
  }
  // Only fine-tune files are checked; other purposes are just stored.
  const verdict = purpose === "fine-tune" ? checkTrainingFile(content.toString("utf8")) : { ok: true as const, examples: 0, tokens: 0 };
  const file: FileRecord = {
    id: newId("file"),
    seq: state.nextSeq(),
    filename,
    purpose,
    bytes: content.length,
    createdAt: nowSeconds(),
    createdMs: Date.now(),
    content,
    status: "uploaded",
    statusDetails: null,
    verdict,
    deleted: false,
  };
  state.files.set(file.id, file);
  scheduleFile(state, file);
  return file;
}

/** A live (not deleted) file, or OpenAI's 404. */
export function getFile(state: SandboxState, id: string): FileRecord {
  const file = state.files.get(id);
  if (!file || file.deleted) {
    throw new ApiError(404, `No such File object: ${id}`, "invalid_request_error", "id");
  }
  return file;
}

export function deleteFile(state: SandboxState, id: string): { id: string; object: "file"; deleted: true } {
  const file = getFile(state, id);
  file.deleted = true;
  state.unschedule(`file:${file.id}`);
  return { id: file.id, object: "file", deleted: true };
}

export function listFiles(
  state: SandboxState,
  opts: { purpose: string | null; after: string | null; limit: number; order: "asc" | "desc" },
): { object: "list"; data: FileJson[]; has_more: boolean; first_id: string | null; last_id: string | null } {
  let files = [...state.files.values()].filter((f) => !f.deleted && (opts.purpose === null || f.purpose === opts.purpose));
  files.sort((a, b) => (opts.order === "asc" ? a.seq - b.seq : b.seq - a.seq));
  if (opts.after !== null) {
    const index = files.findIndex((f) => f.id === opts.after);
    files = index === -1 ? [] : files.slice(index + 1);
  }
  const data = files.slice(0, opts.limit).map(fileJson);
  return {
    object: "list",
    data,
    has_more: files.length > opts.limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

/** A file a job may train on, or OpenAI's 400 (missing, wrong purpose, not ready, invalid). */
export function usableTrainingFile(state: SandboxState, id: string, param: string): { examples: number; tokens: number } {
  const file = state.files.get(id);
  if (!file || file.deleted) throw new ApiError(400, `invalid ${param}: ${id}`, "invalid_request_error", param, "invalid_file");
  if (file.purpose !== "fine-tune") {
    throw new ApiError(400, `File ${id} has purpose '${file.purpose}'; fine-tuning needs purpose 'fine-tune'.`, "invalid_request_error", param, "invalid_file");
  }
  if (file.status === "uploaded") {
    throw new ApiError(400, `File ${id} is not ready. It is still being processed; retry when its status is 'processed'.`, "invalid_request_error", param, "file_not_ready");
  }
  if (!file.verdict.ok) {
    throw new ApiError(400, `File ${id} cannot be used for fine-tuning: ${file.verdict.message}`, "invalid_request_error", param, "invalid_file");
  }
  return { examples: file.verdict.examples, tokens: file.verdict.tokens };
}
