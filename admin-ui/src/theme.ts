// Light or dark, remembered; the first visit follows the system setting.
import { createSignal } from "solid-js";
import { readStored, writeStored } from "./lib/storage.ts";

export type Theme = "light" | "dark";
const STORAGE_KEY = "edge-relay.theme";

function initialTheme(): Theme {
  const stored = readStored("local", STORAGE_KEY);
  if (stored === "light" || stored === "dark") return stored;
  return globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

const [theme, setThemeSignal] = createSignal<Theme>(initialTheme());

export { theme };

function apply(value: Theme): void {
  document.documentElement.dataset.theme = value;
}
apply(theme());

export function setTheme(value: Theme): void {
  setThemeSignal(value);
  writeStored("local", STORAGE_KEY, value);
  apply(value);
}

export function toggleTheme(): void {
  setTheme(theme() === "dark" ? "light" : "dark");
}
