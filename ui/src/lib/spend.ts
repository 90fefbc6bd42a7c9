/** Pure helpers of the money pages: the daily chart's columns, the budget bar, the kind breakdown's wording. */

import type { ChartData } from "@/components/charts/series";
import type { CostKind, CostsView_Serialize as CostsView, DayCostView } from "@/bindings";

/** The daily spend as uPlot columns: x = the day's midnight (UTC) in Unix seconds, y = dollars. */
export function dailyChartData(byDay: readonly DayCostView[]): ChartData {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const day of byDay) {
    const ms = Date.parse(`${day.date}T00:00:00Z`);
    if (Number.isNaN(ms)) continue;
    xs.push(ms / 1000);
    ys.push(day.usd ?? 0);
  }
  return [xs, ys];
}

/** How far into the monthly budget the month's spend is, in percent (capped at 100), and its alert band. */
export type BudgetShare = { percent: number; band: "ok" | "warning" | "critical" | "over" };

/** `null` without a budget; the bands follow the alerts at 80, 90 and 100 %. */
export function budgetShare(spent: number | null | undefined, budget: number | null | undefined): BudgetShare | null {
  if (budget === null || budget === undefined || !Number.isFinite(budget)) return null;
  const used = spent ?? 0;
  if (budget <= 0) return { percent: 100, band: used > 0 ? "over" : "critical" };
  const raw = (used / budget) * 100;
  const band = raw >= 100 ? "over" : raw >= 90 ? "critical" : raw >= 80 ? "warning" : "ok";
  return { percent: Math.min(100, raw), band };
}

export const KIND_LABELS: Record<CostKind, string> = {
  compute: "Compute",
  storage: "Storage",
  transfer: "Transfer",
};

/**
 * The rows of the breakdown: all three kinds when the clusters reported storage or transfer, else compute
 * alone (the page says the rest was not reported rather than showing $0.00 as if measured).
 */
export function kindRows(costs: Pick<CostsView, "byKind" | "kindsReported">): { kind: CostKind; label: string; usd: number }[] {
  const rows = costs.byKind.map((k) => ({ kind: k.kind, label: KIND_LABELS[k.kind], usd: k.usd ?? 0 }));
  return costs.kindsReported ? rows : rows.filter((r) => r.kind === "compute");
}

/** What the user types into the budget field, as the shell's `set_setting` takes it: empty removes the budget. */
export function budgetInput(text: string): string {
  const trimmed = text.trim().replace(/^\$/, "").replace(/,/g, "");
  return trimmed === "" ? "none" : trimmed;
}
