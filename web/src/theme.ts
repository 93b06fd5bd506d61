import { useState } from "react";

/** A picked theme; absent, the page follows the system's (prefers-color-scheme). */
export type Theme = "light" | "dark";

const storageKey = "gantry-theme";

function storedTheme(): Theme | undefined {
  try {
    const value = window.localStorage.getItem(storageKey);
    return value === "light" || value === "dark" ? value : undefined;
  } catch {
    // Storage can be off (private windows, policies): the system's theme then.
    return undefined;
  }
}

/** Sets the stored theme on the document before the first render, so the page never flashes the other one. */
export function applyStoredTheme(): void {
  const theme = storedTheme();
  if (theme !== undefined) document.documentElement.dataset["theme"] = theme;
}

/** The theme in effect (picked, else the system's) and a toggle that picks the other one and remembers it. */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  const toggle = (): void => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    document.documentElement.dataset["theme"] = next;
    try {
      window.localStorage.setItem(storageKey, next);
    } catch {
      // Not remembered across reloads; this page still switches.
    }
    setTheme(next);
  };
  return { theme, toggle };
}
