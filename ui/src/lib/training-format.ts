import type { MemoryVerdict } from "@/bindings";
import { MEMORY_VERDICT_WORDS } from "@/lib/job-vocabulary";

/** "$0.42", "$12.30", "$1,204" — cents below $100, whole dollars above. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 100) return `$${Math.round(value).toLocaleString("en-US")}`;
  return `$${value.toFixed(2)}`;
}

/** A low–high money band: "$0.40–$0.90", or one figure when both ends round the same. */
export function formatUsdRange(low: number | null, high: number | null): string {
  const a = formatUsd(low);
  const b = formatUsd(high);
  return a === b ? a : `${a}–${b}`;
}

/** Seconds as people say them: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} d ${restHours} h` : `${days} d`;
}

/** A time band: "12–30 min". */
export function formatDurationRange(low: number | null, high: number | null): string {
  const a = formatDuration(low);
  const b = formatDuration(high);
  return a === b ? a : `${a} – ${b}`;
}

/** Learning rates in the notation people type: 2e-4, 1e-5. */
export function formatLearningRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const [mantissa, exponent] = value.toExponential().split("e");
  const m = Number(mantissa);
  return `${Number.isInteger(m) ? m : m.toFixed(2).replace(/0+$/, "")}e${Number(exponent)}`;
}

/** A GPU memory verdict in words: "fits", "tight" or "does not fit". */
export function verdictWords(verdict: MemoryVerdict) {
  return MEMORY_VERDICT_WORDS[verdict];
}

/** "balanced" → "Balanced". */
export function capitalise(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Cost at the end if spending goes on at the rate so far (null before any progress). */
export function projectedCost(spentUsd: number, progressPercent: number): number | null {
  if (progressPercent <= 0) return null;
  return (spentUsd * 100) / Math.min(100, progressPercent);
}

/** Remaining seconds at the pace so far (null before any progress). */
export function remainingSeconds(elapsedSeconds: number, progressPercent: number): number | null {
  if (progressPercent <= 0 || progressPercent >= 100) return progressPercent >= 100 ? 0 : null;
  return (elapsedSeconds * (100 - progressPercent)) / progressPercent;
}
