import { router } from "../init";

// goldenRecord.import (pasted or uploaded JSONL/CSV, with a report of rejected lines).
export const goldenRecordImportRouter = router({});
