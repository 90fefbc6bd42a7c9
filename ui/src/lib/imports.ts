/** The state of imports in flight, folded from `DatasetImportProgress` events. */

import type { DatasetImportProgress_Serialize } from "@/bindings";

export type ImportProgress = DatasetImportProgress_Serialize;

/** Stages after which an import changes no more. */
export const FINISHED_STAGES = new Set(["done", "failed", "cancelled"]);

/** Applies one event: replaces that import's entry, keeping the batch's order. */
export function applyProgress(list: ImportProgress[], event: ImportProgress): ImportProgress[] {
  const index = list.findIndex((item) => item.importId === event.importId);
  if (index === -1) return [...list, event];
  // A late `validating` event must not undo a finished state.
  const current = list[index];
  if (current && FINISHED_STAGES.has(current.stage) && !FINISHED_STAGES.has(event.stage)) return list;
  const next = list.slice();
  next[index] = event;
  return next;
}

/** Whether any import of the list is still running or queued. */
export function anyRunning(list: ImportProgress[]): boolean {
  return list.some((item) => !FINISHED_STAGES.has(item.stage));
}
