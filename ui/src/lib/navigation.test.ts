import { NAV_ITEMS, navItemForPath } from "@/lib/navigation";
import { isSidebarShortcut } from "@/lib/sidebar";

describe("navigation", () => {
  it("lists the seven pages in sidebar order with unique ids and paths", () => {
    expect(NAV_ITEMS.map((item) => item.label)).toEqual([
      "Dashboard",
      "Datasets",
      "Training",
      "Models",
      "Playground",
      "Costs",
      "Settings",
    ]);
    expect(new Set(NAV_ITEMS.map((item) => item.id)).size).toBe(NAV_ITEMS.length);
    expect(new Set(NAV_ITEMS.map((item) => item.path)).size).toBe(NAV_ITEMS.length);
  });

  it("finds the section of nested paths without confusing prefixes", () => {
    expect(navItemForPath("/")?.id).toBe("dashboard");
    expect(navItemForPath("/datasets/42")?.id).toBe("datasets");
    expect(navItemForPath("/datasetsx")).toBeUndefined();
  });

  it("toggles the sidebar on Ctrl+B or Cmd+B only", () => {
    const key = { key: "b", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false };
    expect(isSidebarShortcut({ ...key, ctrlKey: true })).toBe(true);
    expect(isSidebarShortcut({ ...key, metaKey: true, key: "B" })).toBe(true);
    expect(isSidebarShortcut(key)).toBe(false);
    expect(isSidebarShortcut({ ...key, ctrlKey: true, shiftKey: true })).toBe(false);
  });
});
