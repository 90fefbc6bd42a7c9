import { QueryClient } from "@tanstack/react-query";

/** One client for the app's life. Commands are local IPC, so retrying a failed one rarely helps. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: 1, refetchOnWindowFocus: false },
    },
  });
}
