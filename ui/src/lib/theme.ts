import { createContext, useContext } from "react";

/** What the user picked in the theme toggle. */
export type ThemePreference = "light" | "dark" | "system";
/** What is actually on screen. */
export type ResolvedTheme = "light" | "dark";

export const THEME_STORAGE_KEY = "brightrun-theme";

/** Turns a preference into the theme to draw, given whether the OS is in dark mode. */
export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): ResolvedTheme {
  if (preference === "system") return systemPrefersDark ? "dark" : "light";
  return preference;
}

/** Reads a stored preference, ignoring anything that is not one of the three values. */
export function parseThemePreference(value: string | null): ThemePreference {
  return value === "light" || value === "dark" || value === "system" ? value : "system";
}

export type ThemeContextValue = {
  preference: ThemePreference;
  resolvedTheme: ResolvedTheme;
  setPreference: (preference: ThemePreference) => void;
};

export const ThemeContext = createContext<ThemeContextValue | null>(null);

/** The current theme and a setter; only inside <ThemeProvider>. */
export function useTheme(): ThemeContextValue {
  const value = useContext(ThemeContext);
  if (!value) throw new Error("useTheme must be used inside <ThemeProvider>");
  return value;
}
