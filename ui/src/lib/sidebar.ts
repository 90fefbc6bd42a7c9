export const SIDEBAR_STORAGE_KEY = "brightrun-sidebar-collapsed";

/** Reads the remembered collapsed state; anything unexpected means expanded. */
export function parseCollapsed(value: string | null): boolean {
  return value === "true";
}

/** Ctrl+B (Cmd+B on macOS) toggles the sidebar, as in VS Code and shadcn/ui's sidebar. */
export function isSidebarShortcut(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">): boolean {
  return event.key.toLowerCase() === "b" && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
}
