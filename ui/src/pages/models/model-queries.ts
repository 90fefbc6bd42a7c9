import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { commands, type ModelPage_Serialize as ModelPage } from "@/bindings";
import { unwrap } from "@/lib/ipc";
import { trainingKeys } from "@/lib/training-queries";

/** Query keys of the model page and Compare (under `models` and `jobs`, so the event bridge refreshes them). */
export const modelUseKeys = {
  page: (id: string) => ["models", "page", id] as const,
  compare: (ids: readonly string[]) => ["jobs", "compare", ...ids] as const,
};

export const modelPageQuery = (id: string) =>
  queryOptions({
    queryKey: modelUseKeys.page(id),
    queryFn: () => unwrap(commands.modelPage(id)),
  });

export const compareQuery = (ids: readonly string[]) =>
  queryOptions({
    queryKey: modelUseKeys.compare(ids),
    queryFn: () => unwrap(commands.compareJobs([...ids])),
    enabled: ids.length >= 2,
  });

/** Rename, describe, delete or restore: the page takes the answer; every model list is read again. */
export function useModelEdit(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (edit: { rename: string } | { describe: string } | { delete: true } | { restore: true }) => {
      if ("rename" in edit) return unwrap(commands.renameModel(id, edit.rename));
      if ("describe" in edit) return unwrap(commands.describeModel(id, edit.describe));
      if ("delete" in edit) return unwrap(commands.deleteModel(id));
      return unwrap(commands.restoreModel(id));
    },
    onSuccess: (page: ModelPage) => {
      client.setQueryData(modelUseKeys.page(id), page);
      void client.invalidateQueries({ queryKey: trainingKeys.models });
    },
  });
}

/** "1.2 MB" from a byte count. */
export function formatBytes(bytes: number | null | undefined): string {
  const b = bytes ?? 0;
  if (b < 1024) return `${b} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = b / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A number to `digits` places, or a dash. */
export function fmt(value: number | null | undefined, digits = 3) {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}
