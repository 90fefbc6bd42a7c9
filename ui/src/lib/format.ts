/** Number and date formatting shared by the dataset and cluster pages. */

const FORMAT_LABELS: Record<string, string> = {
  brightrun_lora_v4: "BrightRun v4",
  brightrun_turns: "BrightRun turns",
  openai_messages: "OpenAI chat",
  sharegpt: "ShareGPT",
  alpaca: "Alpaca",
  prompt_completion: "Prompt / completion",
};

/**
 * A number as the bindings type it: specta writes every f64 as `number | null` (serde turns NaN into null).
 * The shell never sends NaN, so `null` only ever means "none".
 */
export type Num = number | null | undefined;

/** A bound number, or 0 for none. */
export function num(n: Num): number {
  return n ?? 0;
}

/** Every format id the core knows, in its detection order. */
export const FORMAT_IDS = Object.keys(FORMAT_LABELS);

/** A format id in words (`brightrun_lora_v4` → `BrightRun v4`); unknown ids are shown as they are. */
export function formatLabel(format: string | null | undefined): string {
  if (!format) return "Unknown format";
  return FORMAT_LABELS[format] ?? format;
}

/** Bytes in B, KB, MB or GB (powers of 1024, one decimal above KB). */
export function formatBytes(bytes: Num): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A count with thousands separators; 12 345 → "12,345". */
export function formatCount(n: Num): string {
  return n !== null && n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—";
}

/** A short count for tight places: 1 234 → "1.2k", 3 400 000 → "3.4M". */
export function formatCompact(n: Num): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  if (Math.abs(n) < 1000) return String(Math.round(n));
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
}

/** An RFC 3339 time as a date in the user's locale, e.g. "22 Nov 2026"; empty for none. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

/** A fraction 0..1 as a whole percentage. */
export function formatPercent(done: Num, total: Num): string {
  return `${percent(done, total)}%`;
}

/** done / total as a whole number 0..100 (0 when the total is unknown). */
export function percent(done: Num, total: Num): number {
  if (!total || total <= 0 || !done) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** A number with `digits` decimals; "—" for none. */
export function formatFixed(n: Num, digits: number): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(digits);
}
