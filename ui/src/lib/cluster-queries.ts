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

/** Every cluster mutation; each refreshes the cluster queries. */
export function useClusterMutations() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: clusterKeys.all });
  return {
    add: useMutation({
      mutationFn: (v: { name: string; url: string; apiKey: string; allowInsecure: boolean }) =>
        unwrap(commands.addCluster(v.name, v.url, v.apiKey, v.allowInsecure)),
      onSuccess: refresh,
    }),
    update: useMutation({
      mutationFn: (v: { id: string; url: string | null; apiKey: string | null; allowInsecure: boolean }) =>
        unwrap(commands.updateCluster(v.id, v.url, v.apiKey, v.allowInsecure)),
      onSuccess: refresh,
    }),
    test: useMutation({ mutationFn: (id: string) => unwrap(commands.testCluster(id)), onSuccess: refresh }),
    remove: useMutation({ mutationFn: (id: string) => unwrap(commands.removeCluster(id)), onSuccess: refresh }),
    startLocal: useMutation({ mutationFn: () => unwrap(commands.startLocalCluster()), onSuccess: refresh }),
    stopLocal: useMutation({ mutationFn: () => unwrap(commands.stopLocalCluster()), onSuccess: refresh }),
    prepareLocal: useMutation({ mutationFn: () => unwrap(commands.prepareLocalCluster()), onSuccess: refresh }),
  };
}
