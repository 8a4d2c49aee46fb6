// Every visible string comes from these dictionaries; the choice is remembered in localStorage.
import { createSignal } from "solid-js";
import { readStored, writeStored } from "../lib/storage.ts";
import { en } from "./en.ts";
import { zh } from "./zh.ts";

export type Lang = "en" | "zh";
export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

export const DICTIONARIES: Record<Lang, Dictionary> = { en, zh };
const STORAGE_KEY = "edge-relay.lang";

export function initialLang(stored: string | null, browser: string | undefined): Lang {
  if (stored === "en" || stored === "zh") return stored;
  return browser?.toLowerCase().startsWith("zh") ? "zh" : "en";
}

const [lang, setLangSignal] = createSignal<Lang>(
  initialLang(readStored("local", STORAGE_KEY), globalThis.navigator?.language),
);

export { lang };

function applyLang(value: Lang): void {
  if (globalThis.document) globalThis.document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}
applyLang(lang());

export function setLang(value: Lang): void {
  setLangSignal(value);
  writeStored("local", STORAGE_KEY, value);
  applyLang(value);
}

/** `{name}` placeholders are replaced by vars. */
export function translate(dict: Dictionary, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dict[key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** Reactive: re-runs where it is read when the language changes. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  return translate(DICTIONARIES[lang()], key, vars);
}
