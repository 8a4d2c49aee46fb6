// A subscription account at a glance: its usage windows as bars, the model families parked on
// their own, today's cost against its quota and why its own options stop it. Times are shown in
// the browser's zone, named once per page (zoneName).
import type { AccountHealth, UsageWindow, UsageWindows } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import { formatDuration, type Locale } from "./format.ts";

export type WindowName = Exclude<keyof NonNullable<UsageWindows>, "at">;

/** In the order they are shown; the 7-day Sonnet window only when the upstream names it. */
export const WINDOW_LABEL: Record<WindowName, MessageKey> = {
  fiveHour: "windows.fiveHour",
  sevenDay: "windows.sevenDay",
  sevenDayOpus: "windows.sevenDayOpus",
  sevenDaySonnet: "windows.sevenDaySonnet",
};
const WINDOW_NAMES = Object.keys(WINDOW_LABEL) as WindowName[];

export type Level = "low" | "mid" | "high";

export interface WindowBar {
  name: WindowName;
  /** 0–100, rounded to a whole percent. */
  percent: number;
  resetAt: string | null;
  level: Level;
}

/** A bar's colour: amber past 75 % or when the upstream warns, red past 95 % or when it refuses. */
export function levelOf(percent: number, status: string | null = null): Level {
  if (status === "rejected" || percent >= 95) return "high";
  if (status === "allowed_warning" || percent >= 75) return "mid";
  return "low";
}

function barOf(name: WindowName, window: UsageWindow): WindowBar {
  const percent = Math.round(Math.max(0, Math.min(1, window.utilization)) * 100);
  return { name, percent, resetAt: window.resetAt, level: levelOf(percent, window.status) };
}

/** The windows the account's last answer carried, in display order (none: an empty list). */
export function windowBars(windows: UsageWindows): WindowBar[] {
  if (!windows) return [];
  return WINDOW_NAMES.flatMap((name) => {
    const window = windows[name];
    return window ? [barOf(name, window)] : [];
  });
}

/** Family parks still in force, soonest first. */
export function liveParks(parks: AccountHealth["familyParks"], now: number): AccountHealth["familyParks"] {
  return parks.filter((p) => Date.parse(p.until) > now).sort((a, b) => a.until.localeCompare(b.until));
}

export const STOP_LABEL: Record<NonNullable<AccountHealth["stopped"]>["reason"], MessageKey> = {
  window: "windows.stoppedWindow",
  "daily-cost": "windows.stoppedDailyCost",
  expired: "windows.stoppedExpired",
  balance: "windows.stoppedBalance",
};

/** Whether the windows column has anything to show: a subscription, parks, a quota, a balance, an end date. */
export function hasGlance(
  account: { type: string; dailyCostLimitUsd: number; subscriptionExpiresAt: string | null },
  health: AccountHealth,
  now: number,
): boolean {
  return (
    account.type === "claude-oauth" ||
    windowBars(health.windows).length > 0 ||
    liveParks(health.familyParks, now).length > 0 ||
    account.dailyCostLimitUsd > 0 ||
    health.costTodayUsd > 0 ||
    health.balanceLeftUsd !== null ||
    account.subscriptionExpiresAt !== null
  );
}

const intl = (locale: Locale) => (locale === "zh" ? "zh-CN" : "en-US");

/** "UTC+08:00" for an offset of -480 minutes (Date#getTimezoneOffset's sign). */
export function utcOffset(offsetMinutes: number): string {
  const east = -offsetMinutes;
  const abs = Math.abs(east);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `UTC${east < 0 ? "−" : "+"}${hh}:${mm}`;
}

/** The browser's zone as the page names it: "Europe/Berlin, UTC+01:00". */
export function zoneName(now = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = utcOffset(now.getTimezoneOffset());
  return zone && zone !== "UTC" ? `${zone}, ${offset}` : offset;
}

/**
 * A reset time, short: "Dec 8, 2:05 PM", "12月8日 14:05" (the page names the zone); the hours as
 * formatDateTime writes them elsewhere on the page.
 */
export function formatReset(iso: string | null, locale: Locale): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(intl(locale), {
    month: "short",
    day: "numeric",
    hour: locale === "zh" ? "2-digit" : "numeric",
    minute: "2-digit",
  }).format(date);
}

/** How long until a time ("2h 5m"), "" once passed. */
export const untilText = (iso: string | null, now: number): string =>
  iso ? formatDuration(Date.parse(iso) - now) : "";
