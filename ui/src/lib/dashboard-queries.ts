/** The dashboard's cards and activity feed; job events and finished imports invalidate it. */

import { queryOptions } from "@tanstack/react-query";

import { commands } from "@/bindings";
import { unwrap } from "@/lib/ipc";

export const dashboardQuery = queryOptions({
  queryKey: ["dashboard"] as const,
  queryFn: () => unwrap(commands.dashboardOverview(null)),
});
