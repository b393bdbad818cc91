import { AppError } from "../errors";

export function connectionNotFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Database connection ${id} not found.`, { field: "db_connection_id" });
}
