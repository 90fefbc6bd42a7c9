import { clsx, type ClassValue } from "clsx";
import { twMerge } from "tailwind-merge";

/** Joins class names and lets later Tailwind classes override earlier ones (`p-2` then `p-4` → `p-4`). */
export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}

/** Shortens a long path for display, keeping its start and its end: `/home/ann/…/app.brightrun.desktop`. */
export function shortenPath(path: string, max = 48): string {
  if (path.length <= max) return path;
  const separator = path.includes("\\") && !path.includes("/") ? "\\" : "/";
  const parts = path.split(separator);
  const last = parts[parts.length - 1] ?? "";
  const keep = Math.max(max - last.length - 2, 1);
  return `${path.slice(0, keep)}…${separator}${last}`;
}
