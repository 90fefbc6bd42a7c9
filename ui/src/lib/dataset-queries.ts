/** TanStack Query options and mutations of the dataset pages. */

import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { commands } from "@/bindings";
import { toQuery, type DatasetFilters } from "@/lib/dataset-filters";
import { unwrap } from "@/lib/ipc";

export const datasetKeys = {
  all: ["datasets"] as const,
  list: (filters: DatasetFilters) => ["datasets", "list", filters] as const,
  stats: ["datasets", "stats"] as const,
  detail: (id: string) => ["datasets", "detail", id] as const,
  samples: (id: string, offset: number, limit: number) => ["datasets", "samples", id, offset, limit] as const,
};

export function useDatasetList(filters: DatasetFilters) {
  return useQuery({
    queryKey: datasetKeys.list(filters),
    queryFn: () => unwrap(commands.listDatasets(toQuery(filters))),
    // Keep the old page on screen while the next one loads: no flicker when typing in search.
    placeholderData: keepPreviousData,
  });
}

export function useLibraryStats() {
  return useQuery({ queryKey: datasetKeys.stats, queryFn: () => unwrap(commands.datasetLibraryStats()) });
}

export const datasetDetailQuery = (id: string) =>
  queryOptions({ queryKey: datasetKeys.detail(id), queryFn: () => unwrap(commands.getDataset(id)) });

export function useDatasetDetail(id: string) {
  return useQuery({
    ...datasetDetailQuery(id),
    // While it validates, look again every second.
    refetchInterval: (query) => (query.state.data?.dataset.status === "validating" ? 1000 : false),
  });
}

export function useDatasetSamples(id: string, offset: number, limit: number) {
  return useQuery({
    queryKey: datasetKeys.samples(id, offset, limit),
    queryFn: () => unwrap(commands.datasetSamples(id, offset, limit)),
    placeholderData: keepPreviousData,
  });
}

/** Edit, delete and restore; each refreshes every dataset query. */
export function useDatasetMutations() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: datasetKeys.all });
  return {
    update: useMutation({
      mutationFn: (v: { id: string; name: string | null; description: string | null }) =>
        unwrap(commands.updateDataset(v.id, v.name, v.description)),
      onSuccess: refresh,
    }),
    remove: useMutation({ mutationFn: (id: string) => unwrap(commands.deleteDataset(id)), onSuccess: refresh }),
    restore: useMutation({ mutationFn: (id: string) => unwrap(commands.restoreDataset(id)), onSuccess: refresh }),
  };
}
