import { queryOptions, useQuery } from "@tanstack/react-query";

import { commands } from "@/bindings";
import { unwrap } from "@/lib/ipc";

/** Query keys in one place, so invalidation never misses a spelling. */
export const queryKeys = {
  appInfo: ["app", "info"] as const,
};

export const appInfoQuery = queryOptions({
  queryKey: queryKeys.appInfo,
  queryFn: () => unwrap(commands.appInfo()),
  // Version, flavour and data folder are fixed for the life of the process.
  staleTime: Infinity,
});

/** Version, flavour and data folder of the running app. */
export function useAppInfo() {
  return useQuery(appInfoQuery);
}
