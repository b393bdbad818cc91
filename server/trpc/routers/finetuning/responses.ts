// Error answers that several `finetuning.*` operations document alike (their OpenAPI errorResponses).
export const NO_SUCH_JOB = { 404: "No such job" } as const;
export const PROVIDER_UNREACHED = { 502: "The provider could not be reached; the job is unchanged" } as const;
