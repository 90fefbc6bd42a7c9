import { describe, expect, it, test } from "vitest";

import {
  activeChips,
  clearAll,
  DEFAULT_FILTERS,
  pageCount,
  removeChip,
  showingText,
  SORTS,
  toQuery,
  withFilter,
  type DatasetFilters,
} from "@/lib/dataset-filters";

const busy: DatasetFilters = {
  search: "  coach ",
  sort: "name-desc",
  format: "brightrun_lora_v4",
  status: "error",
  ready: false,
  trash: true,
  page: 3,
  perPage: 25,
};

describe("filter chips", () => {
  it("has no chip for the defaults", () => {
    expect(activeChips(DEFAULT_FILTERS)).toEqual([]);
  });

  it("shows one chip per filter in effect, in words", () => {
    expect(activeChips(busy).map((c) => c.label)).toEqual([
      "Search: “coach”",
      "Format: BrightRun v4",
      "Status: Has errors",
      "Not ready",
      "Trash",
    ]);
    expect(activeChips({ ...DEFAULT_FILTERS, ready: true })[0]?.label).toBe("Ready to train");
  });

  it("removing a chip drops only its filter and goes back to page 1", () => {
    const next = removeChip(busy, "format");
    expect(next.format).toBeNull();
    expect(next.status).toBe("error");
    expect(next.page).toBe(1);
    expect(activeChips(next)).toHaveLength(4);
    expect(removeChip(busy, "ready").ready).toBeNull();
    expect(removeChip(busy, "search").search).toBe("");
    expect(removeChip(busy, "trash").trash).toBe(false);
  });

  it("clear all keeps the sort, which is a preference", () => {
    expect(clearAll(busy)).toEqual({ ...DEFAULT_FILTERS, sort: "name-desc" });
  });

  it("changing a filter resets the page, changing the page does not", () => {
    expect(withFilter(busy, "status", "ready").page).toBe(1);
    expect(withFilter(busy, "page", 4).page).toBe(4);
  });
});

describe("showing text and pages", () => {
  it("counts the items of the page in view", () => {
    expect(showingText(1, 12, 12, 40)).toBe("Showing 1–12 of 40");
    expect(showingText(4, 12, 4, 40)).toBe("Showing 37–40 of 40");
    expect(showingText(1, 12, 1, 1)).toBe("Showing 1 of 1");
    expect(showingText(1, 12, 0, 0)).toBe("Showing 0 of 0");
  });

  it("has at least one page", () => {
    expect(pageCount(0, 12)).toBe(1);
    expect(pageCount(12, 12)).toBe(1);
    expect(pageCount(13, 12)).toBe(2);
  });
});

it("builds the command's query with a trimmed search or none", () => {
  expect(toQuery(busy)).toMatchObject({ search: "coach", sort: "name-desc", trash: true, page: 3 });
  expect(toQuery(DEFAULT_FILTERS).search).toBeNull();
});

test("the page size is a preference: it goes to the query and survives clearing the filters", () => {
  const big = withFilter({ ...DEFAULT_FILTERS, page: 4 }, "perPage", 100);
  expect(big.page).toBe(1);
  expect(toQuery(big).perPage).toBe(100);
  expect(toQuery(DEFAULT_FILTERS).perPage).toBe(25);
  expect(clearAll({ ...big, search: "x", sort: "best-quality" })).toMatchObject({ search: "", sort: "best-quality", perPage: 100 });
});

test("every sort has a label and a distinct id", () => {
  const ids = SORTS.map((s) => s.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toContain("recently-used");
  expect(SORTS.every((s) => s.label.length > 0)).toBe(true);
});
