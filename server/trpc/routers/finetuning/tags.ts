/** The OpenAPI tag every `finetuning.*` operation is listed under. */
export const JOBS_TAGS = ["Fine-tuning jobs"];
