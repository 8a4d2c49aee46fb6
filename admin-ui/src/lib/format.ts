// Numbers, money, tokens and times as the dashboard shows them.

export type Locale = "en" | "zh";
const intl = (locale: Locale) => (locale === "zh" ? "zh-CN" : "en-US");

export function formatNumber(value: number, locale: Locale = "en"): string {
  return new Intl.NumberFormat(intl(locale)).format(value);
}

/** USD with enough digits for tiny costs: $12.35, $0.0042, $0. */
export function formatCost(usd: number): string {
  if (!Number.isFinite(usd) || usd === 0) return "$0.00";
  const abs = Math.abs(usd);
  const digits = abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return `${usd < 0 ? "-" : ""}$${abs.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** 999, 1.2K, 3.4M, 5.6B */
export function formatTokens(value: number): string {
  const abs = Math.abs(value);
  for (const [size, unit] of [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const) {
    if (abs >= size) return `${(value / size).toFixed(abs >= size * 100 ? 0 : 1).replace(/\.0$/, "")}${unit}`;
  }
  return String(Math.round(value));
}

export function formatDateTime(iso: string | number | null | undefined, locale: Locale = "en"): string {
  if (iso === null || iso === undefined || iso === "") return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(intl(locale), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatDate(iso: string | number | null | undefined, locale: Locale = "en"): string {
  if (iso === null || iso === undefined || iso === "") return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(intl(locale), { dateStyle: "medium" }).format(date);
}

/** How much of a limit is used, 0–100 (a limit of 0 means none: 0). */
export function percentOf(used: number, limit: number): number {
  if (!(limit > 0)) return 0;
  return Math.max(0, Math.min(100, (used / limit) * 100));
}

/** "2h 5m", "45s" until a time; "" once passed. */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return "";
  const s = Math.ceil(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export const microToUsd = (micro: number) => micro / 1_000_000;
