import { describe, expect, it } from "vitest";

import { budgetInput, budgetShare, dailyChartData, kindRows } from "@/lib/spend";

describe("dailyChartData", () => {
  it("puts each day at its UTC midnight in seconds, zero days included", () => {
    const [xs, ys] = dailyChartData([
      { date: "2026-11-01", usd: 0 },
      { date: "2026-11-02", usd: 1.5 },
    ]);
    expect(xs).toEqual([Date.UTC(2026, 10, 1) / 1000, Date.UTC(2026, 10, 2) / 1000]);
    expect(ys).toEqual([0, 1.5]);
  });

  it("skips a malformed date and reads a missing amount as zero", () => {
    const [xs, ys] = dailyChartData([
      { date: "yesterday", usd: 3 },
      { date: "2026-11-03", usd: null },
    ]);
    expect(xs).toHaveLength(1);
    expect(ys).toEqual([0]);
  });
});

describe("budgetShare", () => {
  it("is null without a budget", () => {
    expect(budgetShare(10, null)).toBeNull();
    expect(budgetShare(10, undefined)).toBeNull();
  });

  it("follows the 80/90/100 % alerts", () => {
    expect(budgetShare(79, 100)).toEqual({ percent: 79, band: "ok" });
    expect(budgetShare(80, 100)?.band).toBe("warning");
    expect(budgetShare(90, 100)?.band).toBe("critical");
    expect(budgetShare(150, 100)).toEqual({ percent: 100, band: "over" });
  });

  it("treats a zero budget as used up", () => {
    expect(budgetShare(0, 0)?.band).toBe("critical");
    expect(budgetShare(1, 0)?.band).toBe("over");
  });
});

describe("kindRows", () => {
  const byKind = [
    { kind: "compute" as const, usd: 5 },
    { kind: "storage" as const, usd: 0 },
    { kind: "transfer" as const, usd: 0 },
  ];

  it("shows compute alone when the clusters reported nothing else", () => {
    expect(kindRows({ byKind, kindsReported: false })).toEqual([{ kind: "compute", label: "Compute", usd: 5 }]);
  });

  it("shows every kind once one was reported", () => {
    expect(kindRows({ byKind, kindsReported: true }).map((r) => r.label)).toEqual(["Compute", "Storage", "Transfer"]);
  });
});

describe("budgetInput", () => {
  it("sends what the core parses: an amount, or none to remove", () => {
    expect(budgetInput(" $1,200.50 ")).toBe("1200.50");
    expect(budgetInput("")).toBe("none");
    expect(budgetInput("  ")).toBe("none");
    expect(budgetInput("abc")).toBe("abc");
  });
});
