/** TanStack Query options and mutations of the clusters section of Settings. */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { commands } from "@/bindings";
import { unwrap } from "@/lib/ipc";

export const clusterKeys = {
  all: ["clusters"] as const,
  list: ["clusters", "list"] as const,
  local: ["clusters", "local"] as const,
};

export function useClusters() {
  return useQuery({ queryKey: clusterKeys.list, queryFn: () => unwrap(commands.listClusters()) });
}

export function useLocalCluster() {
  return useQuery({
    queryKey: clusterKeys.local,
    queryFn: () => unwrap(commands.localClusterStatus()),
    // Checking the Python stack imports torch (seconds): do not repeat it on every visit.
    staleTime: 30_000,
  });
}

/**
 * Every cluster mutation; each refreshes the cluster queries it changed. The refresh is started, not awaited:
 * TanStack Query holds a mutation pending until a promise returned by `onSuccess` settles, and the local
 * cluster's status imports torch (seconds on a cold machine), so awaiting it kept the "Add a cluster" dialog
 * open, its button spinning, long after the cluster was saved.
 */
export function useClusterMutations() {
  const client = useQueryClient();
  const refreshList = () => {
    void client.invalidateQueries({ queryKey: clusterKeys.list });
  };
  const refreshAll = () => {
    void client.invalidateQueries({ queryKey: clusterKeys.all });
  };
  return {
    add: useMutation({
      mutationFn: (v: { name: string; url: string; apiKey: string; allowInsecure: boolean }) =>
        unwrap(commands.addCluster(v.name, v.url, v.apiKey, v.allowInsecure)),
      onSuccess: refreshList,
    }),
    update: useMutation({
      mutationFn: (v: { id: string; url: string | null; apiKey: string | null; allowInsecure: boolean }) =>
        unwrap(commands.updateCluster(v.id, v.url, v.apiKey, v.allowInsecure)),
      onSuccess: refreshList,
    }),
    test: useMutation({ mutationFn: (id: string) => unwrap(commands.testCluster(id)), onSuccess: refreshAll }),
    remove: useMutation({ mutationFn: (id: string) => unwrap(commands.removeCluster(id)), onSuccess: refreshList }),
    startLocal: useMutation({ mutationFn: () => unwrap(commands.startLocalCluster()), onSuccess: refreshAll }),
    stopLocal: useMutation({ mutationFn: () => unwrap(commands.stopLocalCluster()), onSuccess: refreshAll }),
    prepareLocal: useMutation({ mutationFn: () => unwrap(commands.prepareLocalCluster()), onSuccess: refreshAll }),
  };
}
