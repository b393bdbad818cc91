import { mergeRouters } from "../../init";
import { cancelRouter } from "./cancel";
import { guardrailsRouter } from "./guardrails";
import { jobsRouter } from "./jobs";
import { lineageRouter } from "./lineage";
import { trainingRouter } from "./training";

/** `finetuning.*`: each procedure lives in the file its subject names. */
export const finetuningRouter = mergeRouters(jobsRouter, cancelRouter, trainingRouter, guardrailsRouter, lineageRouter);
