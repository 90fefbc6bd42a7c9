import { expect, it } from "vitest";

import { anyRunning, applyProgress, type ImportProgress } from "@/lib/imports";

const event = (importId: string, stage: string, bytesDone = 0): ImportProgress => ({
  importId,
  file: `${importId}.jsonl`,
  bytesDone,
  bytesTotal: 100,
  stage,
  datasetId: null,
  message: null,
});

it("folds progress events per import, keeping the batch order", () => {
  let list: ImportProgress[] = [];
  list = applyProgress(list, event("a", "queued"));
  list = applyProgress(list, event("b", "queued"));
  list = applyProgress(list, event("a", "validating", 40));
  expect(list.map((i) => [i.importId, i.stage, i.bytesDone])).toEqual([
    ["a", "validating", 40],
    ["b", "queued", 0],
  ]);
  expect(anyRunning(list)).toBe(true);
  list = applyProgress(list, event("a", "done", 100));
  list = applyProgress(list, event("a", "validating", 90));
  expect(list[0]?.stage).toBe("done");
  list = applyProgress(list, event("b", "cancelled"));
  expect(anyRunning(list)).toBe(false);
});
