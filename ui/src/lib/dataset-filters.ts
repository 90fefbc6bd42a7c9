/** The dataset list's query state: search, sort, filters as removable chips, and paging. */

import { formatLabel } from "@/lib/format";

export type DatasetSortId = "newest" | "oldest" | "name" | "name-desc" | "most-examples" | "fewest-examples";

export const SORTS: readonly { id: DatasetSortId; label: string }[] = [
  { id: "newest", label: "Newest" },
  { id: "oldest", label: "Oldest" },
  { id: "name", label: "Name A–Z" },
  { id: "name-desc", label: "Name Z–A" },
  { id: "most-examples", label: "Most examples" },
  { id: "fewest-examples", label: "Fewest examples" },
];

export const STATUSES = ["validating", "ready", "error"] as const;

export type DatasetFilters = {
  search: string;
  sort: DatasetSortId;
  format: string | null;
  status: string | null;
  ready: boolean | null;
  /** Show the trash instead of the library. */
  trash: boolean;
  page: number;
};

export const PER_PAGE = 12;

export const DEFAULT_FILTERS: DatasetFilters = {
  search: "",
  sort: "newest",
  format: null,
  status: null,
  ready: null,
  trash: false,
  page: 1,
};

export type FilterKey = "search" | "format" | "status" | "ready" | "trash";

export type FilterChip = { key: FilterKey; label: string };

const STATUS_LABELS: Record<string, string> = { validating: "Validating", ready: "Valid", error: "Has errors" };

/** A status id in words. */
export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

/** The filters in effect, one chip each, in a stable order. */
export function activeChips(filters: DatasetFilters): FilterChip[] {
  const chips: FilterChip[] = [];
  const search = filters.search.trim();
  if (search) chips.push({ key: "search", label: `Search: “${search}”` });
  if (filters.format) chips.push({ key: "format", label: `Format: ${formatLabel(filters.format)}` });
  if (filters.status) chips.push({ key: "status", label: `Status: ${statusLabel(filters.status)}` });
  if (filters.ready !== null) chips.push({ key: "ready", label: filters.ready ? "Ready to train" : "Not ready" });
  if (filters.trash) chips.push({ key: "trash", label: "Trash" });
  return chips;
}

/** The filters without one chip's filter; back to page 1 since the result set changes. */
export function removeChip(filters: DatasetFilters, key: FilterKey): DatasetFilters {
  const next = { ...filters, page: 1 };
  switch (key) {
    case "search":
      return { ...next, search: "" };
    case "format":
      return { ...next, format: null };
    case "status":
      return { ...next, status: null };
    case "ready":
      return { ...next, ready: null };
    case "trash":
      return { ...next, trash: false };
  }
}

/** Every filter off; the sort stays (it is a preference, not a filter). */
export function clearAll(filters: DatasetFilters): DatasetFilters {
  return { ...DEFAULT_FILTERS, sort: filters.sort };
}

/** Changes one setting and goes back to page 1 (unless the page itself is what changes). */
export function withFilter<K extends keyof DatasetFilters>(
  filters: DatasetFilters,
  key: K,
  value: DatasetFilters[K],
): DatasetFilters {
  return { ...filters, [key]: value, page: key === "page" ? (value as number) : 1 };
}

/** "Showing 13–24 of 40", or "Showing 0 of 0" for an empty result. */
export function showingText(page: number, perPage: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `Showing 0 of ${total}`;
  const first = (page - 1) * perPage + 1;
  const last = first + shown - 1;
  return first === last ? `Showing ${first} of ${total}` : `Showing ${first}–${last} of ${total}`;
}

/** How many pages `total` items make. */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/** The command's query for these filters. */
export function toQuery(filters: DatasetFilters) {
  return {
    search: filters.search.trim() || null,
    sort: filters.sort,
    format: filters.format,
    status: filters.status,
    ready: filters.ready,
    trash: filters.trash,
    page: filters.page,
    perPage: PER_PAGE,
  };
}
