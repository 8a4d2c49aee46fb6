// A subscription account in the dashboard, without a browser: its usage windows as bars
// (admin-ui/src/lib/account-windows.ts), and the account form's options and model mapping
// (admin-ui/src/lib/accounts.ts) from a stored account to the body sent and back.
import { describe, expect, it } from "vitest";
import type { Account, AccountHealth } from "../../admin-ui/src/api/types.ts";
import {
  formatReset,
  hasGlance,
  levelOf,
  liveParks,
  utcOffset,
  windowBars,
} from "../../admin-ui/src/lib/account-windows.ts";
import {
  emptySettings,
  MAPPING_TYPES,
  mappingChange,
  mappingText,
  settingsBody,
  settingsFrom,
  takesMapping,
  validateMapping,
  validateSettings,
} from "../../admin-ui/src/lib/accounts.ts";

const NOW = Date.parse("2026-12-08T10:00:00Z");

const health = (changes: Partial<AccountHealth> = {}): AccountHealth => ({
  status: "active",
  until: null,
  activeLeases: 0,
  lastUsedAt: null,
  windows: null,
  familyParks: [],
  costTodayUsd: 0,
  balanceLeftUsd: null,
  stopped: null,
  ...changes,
});

const stored = (changes: Partial<Account> = {}): Account => ({
  id: "a1",
  type: "claude-oauth",
  platform: "claude",
  name: "max-1",
  description: "",
  baseUrl: "",
  priority: 50,
  schedulable: true,
  isActive: true,
  concurrencyLimit: 0,
  models: [],
  allowOtherClients: false,
  stopAt5hPercent: 0,
  dailyCostLimitUsd: 0,
  subscriptionExpiresAt: null,
  balanceUsd: null,
  balanceSetAt: null,
  balanceAlertUsd: 0,
  stopAtZeroBalance: false,
  proxy: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  ...changes,
});

describe("usage windows as bars", () => {
  it("lists the windows the account's answer carried, in order, as whole percents", () => {
    const bars = windowBars({
      at: "2026-12-08T09:59:00Z",
      sevenDayOpus: { utilization: 0.955, resetAt: "2026-12-12T00:00:00Z", status: "allowed_warning" },
      fiveHour: { utilization: 0.421, resetAt: "2026-12-08T13:00:00Z", status: "allowed" },
      sevenDay: { utilization: 1.3, resetAt: null, status: null },
    });
    expect(bars).toEqual([
      { name: "fiveHour", percent: 42, resetAt: "2026-12-08T13:00:00Z", level: "low" },
      { name: "sevenDay", percent: 100, resetAt: null, level: "high" },
      { name: "sevenDayOpus", percent: 96, resetAt: "2026-12-12T00:00:00Z", level: "high" },
    ]);
    expect(windowBars(null)).toEqual([]);
  });

  it("colours by use and by the upstream's word", () => {
    expect(levelOf(10)).toBe("low");
    expect(levelOf(80)).toBe("mid");
    expect(levelOf(10, "allowed_warning")).toBe("mid");
    expect(levelOf(10, "rejected")).toBe("high");
    expect(levelOf(95)).toBe("high");
  });

  it("keeps the family parks still in force, soonest first", () => {
    const parks = [
      { family: "opus", until: "2026-12-10T00:00:00Z" },
      { family: "haiku", until: "2026-12-08T09:00:00Z" },
      { family: "sonnet", until: "2026-12-09T00:00:00Z" },
    ];
    expect(liveParks(parks, NOW).map((p) => p.family)).toEqual(["sonnet", "opus"]);
  });

  it("names the zone as an offset and shows a reset as the locale writes hours", () => {
    expect(utcOffset(-480)).toBe("UTC+08:00");
    expect(utcOffset(0)).toBe("UTC+00:00");
    expect(utcOffset(330)).toBe("UTC−05:30");
    // The browser's zone (the page names it); only the shape is fixed here.
    expect(formatReset("2026-12-08T13:05:00Z", "en")).toMatch(/^Dec \d{1,2}, \d{1,2}:\d\d\s[AP]M$/);
    expect(formatReset("2026-12-08T13:05:00Z", "zh")).toMatch(/^12月\d{1,2}日 \d\d:\d\d$/);
    expect(formatReset(null, "en")).toBe("—");
  });

  it("shows the column for subscriptions and for accounts with a quota or an end", () => {
    expect(hasGlance(stored(), health(), NOW)).toBe(true);
    const apiKey = stored({ type: "claude-console" });
    expect(hasGlance(apiKey, health(), NOW)).toBe(false);
    expect(hasGlance({ ...apiKey, dailyCostLimitUsd: 5 }, health(), NOW)).toBe(true);
    expect(hasGlance(apiKey, health({ costTodayUsd: 0.2 }), NOW)).toBe(true);
    expect(hasGlance({ ...apiKey, subscriptionExpiresAt: "2027-01-01T00:00:00Z" }, health(), NOW)).toBe(true);
    const gone = [{ family: "opus", until: "2026-12-01T00:00:00Z" }];
    expect(hasGlance(apiKey, health({ familyParks: gone }), NOW)).toBe(false);
  });
});

describe("the account form's options", () => {
  const named = { ...emptySettings(), name: "max-1" };

  it("sends 0 / no end when left empty", () => {
    expect(settingsBody(named)).toMatchObject({
      allowOtherClients: false,
      stopAt5hPercent: 0,
      dailyCostLimitUsd: 0,
      subscriptionExpiresAt: null,
      balanceUsd: null,
      balanceAlertUsd: 0,
      stopAtZeroBalance: false,
    });
  });

  it("sends a balance only when one is typed, and its alert and stop", () => {
    const kept = settingsBody({
      ...named,
      balanceUsd: "42.5",
      balanceAlertUsd: "5",
      stopAtZeroBalance: true,
    });
    expect(kept).toMatchObject({ balanceUsd: 42.5, balanceAlertUsd: 5, stopAtZeroBalance: true });
    expect(validateSettings({ ...named, balanceUsd: "lots", balanceAlertUsd: "-1" })).toMatchObject({
      balanceUsd: "validate.range",
      balanceAlertUsd: "validate.nonNegative",
    });
  });

  it("checks the percentage, the quota and the end date", () => {
    expect(validateSettings({ ...named, stopAt5hPercent: "101", dailyCostLimitUsd: "-1" })).toEqual({
      stopAt5hPercent: "validate.range",
      dailyCostLimitUsd: "validate.nonNegative",
    });
    expect(validateSettings({ ...named, subscriptionExpiresAt: "soon" })).toEqual({
      subscriptionExpiresAt: "validate.date",
    });
    expect(validateSettings({ ...named, stopAt5hPercent: "85.5", dailyCostLimitUsd: "12.5" })).toEqual({});
  });

  it("round-trips a stored account's options through the form", () => {
    const account = stored({
      allowOtherClients: true,
      stopAt5hPercent: 90,
      dailyCostLimitUsd: 25,
      subscriptionExpiresAt: "2027-01-31T16:00:00.000Z",
    });
    const form = settingsFrom(account);
    expect(form).toMatchObject({ allowOtherClients: true, stopAt5hPercent: "90", dailyCostLimitUsd: "25" });
    // The input holds the browser's local time; the body is the same instant again.
    expect(form.subscriptionExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(settingsBody(form)).toMatchObject({
      allowOtherClients: true,
      stopAt5hPercent: 90,
      dailyCostLimitUsd: 25,
      subscriptionExpiresAt: "2027-01-31T16:00:00.000Z",
    });
  });
});

describe("the model mapping of Console, OpenAI and Gemini accounts", () => {
  it("is offered on those types only", () => {
    expect(MAPPING_TYPES.filter(takesMapping)).toEqual(MAPPING_TYPES);
    expect(takesMapping("claude-console")).toBe(true);
    expect(takesMapping("gemini-api")).toBe(true);
    expect(takesMapping("claude-oauth")).toBe(false);
    expect(takesMapping("bedrock")).toBe(false);
  });

  it("reads, checks and sends one from=to a line, an empty one removed", () => {
    const account = stored({
      type: "claude-console",
      settings: { modelMapping: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929", a: "b" } },
    });
    const text = mappingText(account);
    expect(text).toBe("claude-sonnet-4-5=claude-sonnet-4-5-20250929\na=b");
    expect(validateMapping(text)).toBeNull();
    expect(validateMapping("gpt-5")).toBe("validate.mappingLine");
    expect(validateMapping("=x")).toBe("validate.mappingLine");
    expect(mappingChange(" gpt-5 = gpt-5-mini \n\n")).toEqual({ modelMapping: { "gpt-5": "gpt-5-mini" } });
    expect(mappingChange("")).toEqual({ modelMapping: null });
    expect(mappingText(stored())).toBe("");
  });
});
