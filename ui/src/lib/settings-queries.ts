/** The user settings (budget, polling interval): read and written through the core, as `brightrun settings`. */

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { commands, type SettingKey, type SettingsView_Serialize as SettingsView } from "@/bindings";
import { describeError, unwrap } from "@/lib/ipc";

export const settingsKeys = { all: ["settings"] as const };

export const settingsQuery = queryOptions({
  queryKey: settingsKeys.all,
  queryFn: () => unwrap(commands.getSettings()),
});

/** The core refused the value of `key`; `message` says why (the same text `brightrun settings set` prints). */
export class SettingRefused extends Error {
  constructor(
    readonly key: SettingKey,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Saves settings one after another, stopping at the first the core refuses (a {@link SettingRefused}); then
 * everything that shows the budget (costs, dashboard, the launch check) reloads.
 */
export function useSaveSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (changes: { key: SettingKey; value: string }[]) => {
      let now: SettingsView | null = null;
      for (const { key, value } of changes) {
        try {
          now = await unwrap(commands.setSetting(key, value));
        } catch (error) {
          throw new SettingRefused(key, describeError(error));
        }
      }
      return now ?? (await unwrap(commands.getSettings()));
    },
    onSettled: () => void client.invalidateQueries(),
  });
}
