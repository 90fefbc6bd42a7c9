/** The dataset list's query state: search, sort, filters as removable chips, and paging. */

import type { DatasetSortView } from "@/bindings";
import { formatLabel } from "@/lib/format";

/** An order of the list: the core's sorts, as the bindings type them. */
export type DatasetSortId = DatasetSortView;

/** Every sort in words; a `Record` so a sort the core adds fails the typecheck until it has a label. */
const SORT_LABELS: Record<DatasetSortId, string> = {
  newest: "Newest import",
  oldest: "Oldest import",
  name: "Name A–Z",
  "name-desc": "Name Z–A",
  "recently-updated": "Recently updated",
  largest: "Largest file",
  smallest: "Smallest file",
  "most-examples": "Most examples",
  "fewest-examples": "Fewest examples",
  "most-tokens": "Most tokens",
  "fewest-tokens": "Fewest tokens",
  "best-quality": "Best quality",
  "worst-quality": "Lowest quality",
  "recently-used": "Recently trained on",
};

export const SORTS: readonly { id: DatasetSortId; label: string }[] = (Object.keys(SORT_LABELS) as DatasetSortId[]).map(
  (id) => ({ id, label: SORT_LABELS[id] }),
);

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
  /** Datasets per page. */
  perPage: number;
};

/** Datasets per page until the user picks another size (the core's default too). */
export const PER_PAGE = 25;

/** The page sizes offered. */
export const PAGE_SIZES = [10, 25, 50, 100] as const;

export const DEFAULT_FILTERS: DatasetFilters = {
  search: "",
  sort: "newest",
  format: null,
  status: null,
  ready: null,
  trash: false,
  page: 1,
  perPage: PER_PAGE,
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

/** Every filter off; the sort and page size stay (they are preferences, not filters). */
export function clearAll(filters: DatasetFilters): DatasetFilters {
  return { ...DEFAULT_FILTERS, sort: filters.sort, perPage: filters.perPage };
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
    perPage: filters.perPage,
  };
}
