/**
 * uPlot formats numbers with `new Intl.NumberFormat(navigator.language)` when its module loads. Under a
 * POSIX locale (LANG=C, common on servers and CI) WebKit reports the language "C", which Intl rejects with
 * "invalid language tag: C" — the chart module would fail to load. Import this module before uPlot: it
 * replaces an unusable language with en-US for this page.
 */
function usable(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== "undefined" && !usable(navigator.language)) {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}

export {};
