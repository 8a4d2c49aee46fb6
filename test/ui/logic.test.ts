// The admin UI's logic, without a browser: API base resolution, errors, forms, formatting,
// series, routes, price overrides, and that both dictionaries say everything.
import { describe, expect, it } from "vitest";
import type { Account, RelayKey } from "../../admin-ui/src/api/types.ts";
import { en } from "../../admin-ui/src/i18n/en.ts";
import { zh } from "../../admin-ui/src/i18n/zh.ts";
import {
  emptySettings,
  importHasToken,
  settingsBody,
  settingsFrom,
  validateSettings,
} from "../../admin-ui/src/lib/accounts.ts";
import { normalizeApiBase, resolveApiBase } from "../../admin-ui/src/lib/api-base.ts";
import { formatCost, formatDuration, formatTokens, percentOf } from "../../admin-ui/src/lib/format.ts";
import { buildUrl, errorFromBody } from "../../admin-ui/src/lib/http.ts";
import {
  emptyKeyForm,
  filterKeys,
  keyBodyFrom,
  keyFormFrom,
  keyStatus,
  modelCapsFrom,
  platformCapsFrom,
  validateKeyForm,
} from "../../admin-ui/src/lib/keys.ts";
import {
  overridesFrom,
  parseOverridesJson,
  perMillion,
  rowsFrom,
  withModelRow,
} from "../../admin-ui/src/lib/pricing.ts";
import { matchRoute, stripBase, withBase } from "../../admin-ui/src/lib/route-match.ts";
import { stampToSeconds, toColumns } from "../../admin-ui/src/lib/series.ts";
import { parseSession } from "../../admin-ui/src/lib/session-token.ts";

const NOW = Date.parse("2026-11-23T12:00:00Z");

function relayKey(overrides: Partial<RelayKey> = {}): RelayKey {
  return {
    id: "k1",
    name: "alice",
    description: "",
    preview: "cr_abcd",
    isActive: true,
    tags: [],
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-01T00:00:00.000Z",
    expiry: { mode: "never" },
    limits: {
      tokenLimit: 0,
      concurrencyLimit: 0,
      concurrencyQueueSeconds: 0,
      rateLimitWindowMinutes: 0,
      rateLimitRequests: 0,
      rateLimitCost: 0,
      dailyCostLimit: 0,
      totalCostLimit: 0,
      weeklyCostLimit: 0,
      rateMultiplier: 1,
      weeklyResetDay: 1,
      weeklyResetHour: 0,
      restrictedModels: [],
      allowedClients: [],
      permissions: [],
      platformLimits: [],
      modelLimits: [],
    },
    boundAccounts: {},
    ...overrides,
  };
}

describe("API base", () => {
  it("normalises URLs and refuses what is not http(s)", () => {
    expect(normalizeApiBase("")).toBe("");
    expect(normalizeApiBase(" https://relay.example.com/ ")).toBe("https://relay.example.com");
    expect(normalizeApiBase("http://127.0.0.1:8787/base//")).toBe("http://127.0.0.1:8787/base");
    expect(normalizeApiBase("ftp://x")).toBeNull();
    expect(normalizeApiBase("not a url")).toBeNull();
    expect(normalizeApiBase("https://x.example/?a=1")).toBeNull();
  });

  it("prefers ?api=, then the saved setting, then the build setting, else the same origin", () => {
    const built = "https://built.example";
    expect(resolveApiBase({ search: "?api=https://q.example/", stored: "https://s.example", built })).toEqual(
      {
        base: "https://q.example",
        fromQuery: true,
      },
    );
    expect(resolveApiBase({ search: "", stored: "https://s.example", built })).toEqual({
      base: "https://s.example",
      fromQuery: false,
    });
    expect(resolveApiBase({ search: "?api=bad", stored: null, built })).toEqual({
      base: built,
      fromQuery: false,
    });
    expect(resolveApiBase({ search: "", stored: null, built: undefined })).toEqual({
      base: "",
      fromQuery: false,
    });
  });
});

describe("API errors", () => {
  it("reads the admin API's and the stats API's error shapes", () => {
    const admin = errorFromBody(
      429,
      { error: { type: "rate_limit", message: "Too many failed login attempts; try again later" } },
      "60",
    );
    expect(admin).toMatchObject({
      status: 429,
      type: "rate_limit",
      message: "Too many failed login attempts; try again later",
      retryAfter: 60,
    });
    const stats = errorFromBody(401, {
      success: false,
      error: "Invalid API key",
      message: "Invalid API key",
    });
    expect(stats.message).toBe("Invalid API key");
    expect(errorFromBody(502, null).message).toBe("HTTP 502");
  });

  it("builds query strings without undefined values", () => {
    expect(buildUrl("https://r", "/admin/usage/series", { owner: "key", id: "a b", points: undefined })).toBe(
      "https://r/admin/usage/series?owner=key&id=a+b",
    );
  });
});

describe("session", () => {
  it("keeps a well-formed session until it expires", () => {
    const raw = JSON.stringify({ token: "t", username: "admin", expiresAt: NOW + 1000 });
    expect(parseSession(raw, NOW)).toEqual({ token: "t", username: "admin", expiresAt: NOW + 1000 });
    expect(parseSession(raw, NOW + 1000)).toBeNull();
    expect(parseSession("{", NOW)).toBeNull();
    expect(parseSession(JSON.stringify({ token: 1 }), NOW)).toBeNull();
  });
});

describe("key form", () => {
  it("validates before anything is sent", () => {
    const form = emptyKeyForm();
    expect(validateKeyForm(form, NOW)).toEqual({ name: "validate.required" });
    form.name = "bob";
    form.limits.dailyCostLimit = "-1";
    form.limits.concurrencyLimit = "1.5";
    form.limits.rateLimitRequests = "10";
    form.limits.weeklyResetDay = "8";
    form.expiryMode = "fixed";
    form.expiresAt = "2020-01-01T00:00";
    expect(validateKeyForm(form, NOW)).toEqual({
      dailyCostLimit: "validate.nonNegative",
      concurrencyLimit: "validate.nonNegativeInt",
      rateLimitWindowMinutes: "validate.windowNeeded",
      weeklyResetDay: "validate.range",
      expiresAt: "validate.future",
    });
  });

  it("sends every limit, so an edit can clear one, and keeps an activation date", () => {
    const key = relayKey({
      expiry: { mode: "activation", days: 30, activatedAt: "2026-11-02T00:00:00.000Z" },
      tags: ["team-a"],
      limits: {
        ...relayKey().limits,
        dailyCostLimit: 5,
        allowedClients: ["claude_code"],
        restrictedModels: ["claude-opus-4"],
      },
    });
    const form = keyFormFrom(key);
    expect(form.limits.dailyCostLimit).toBe("5");
    expect(form.limits.totalCostLimit).toBe("");
    form.limits.dailyCostLimit = "";
    form.limits.totalCostLimit = "20";
    const body = keyBodyFrom(form, key);
    expect(body.limits).toMatchObject({
      dailyCostLimit: 0,
      totalCostLimit: 20,
      weeklyResetDay: 1,
      allowedClients: ["claude_code"],
      restrictedModels: ["claude-opus-4"],
    });
    expect(body.expiry).toEqual({ mode: "activation", days: 30, activatedAt: "2026-11-02T00:00:00.000Z" });
    expect(body.tags).toEqual(["team-a"]);
    form.activationDays = "10";
    expect(keyBodyFrom(form, key).expiry).toEqual({ mode: "activation", days: 10 });
  });

  it("edits platform and model cost caps as lines, refusing unreadable ones", () => {
    const key = relayKey({
      limits: {
        ...relayKey().limits,
        platformLimits: [{ platform: "claude", dailyCostLimit: 5, totalCostLimit: 50 }],
        modelLimits: [{ model: "claude-opus-4*", dailyCostLimit: 0, totalCostLimit: 20 }],
      },
    });
    const form = keyFormFrom(key);
    expect(form.platformCaps).toBe("claude 5 50");
    expect(form.modelCaps).toBe("claude-opus-4* 0 20");
    form.platformCaps = "claude 6 50\n\n  azure-openai, 0, 3\nbedrock 2";
    expect(keyBodyFrom(form, key).limits?.platformLimits).toEqual([
      { platform: "claude", dailyCostLimit: 6, totalCostLimit: 50 },
      { platform: "azure-openai", dailyCostLimit: 0, totalCostLimit: 3 },
      { platform: "bedrock", dailyCostLimit: 2, totalCostLimit: 0 },
    ]);
    expect(validateKeyForm(form, NOW).platformCaps).toBeUndefined();
    for (const bad of ["vertex 1 1", "claude -1 0", "claude 1 1\nClaude 2 2", "claude", "claude 1 2 3"]) {
      expect(platformCapsFrom(bad), bad).toBeNull();
      expect(validateKeyForm({ ...form, platformCaps: bad }, NOW).platformCaps).toBe("validate.platformCaps");
    }
    expect(modelCapsFrom("gpt-5* 1 0\nGPT-5* 2 0")).toBeNull();
    // A relay older than these caps sends none: the form shows none and sends none.
    const { platformLimits: _p, modelLimits: _m, ...older } = relayKey().limits;
    const blank = keyFormFrom(relayKey({ limits: older as typeof key.limits }));
    expect([blank.platformCaps, blank.modelCaps]).toEqual(["", ""]);
    expect(keyBodyFrom(blank).limits).toMatchObject({ platformLimits: [], modelLimits: [] });
  });

  it("tells expired keys apart and filters, searches and sorts", () => {
    const keys = [
      relayKey({ id: "a", name: "zed", tags: ["x"], createdAt: "2026-11-03T00:00:00Z" }),
      relayKey({ id: "b", name: "amy", isActive: false, createdAt: "2026-11-02T00:00:00Z" }),
      relayKey({ id: "c", name: "old", expiry: { mode: "fixed", expiresAt: "2026-11-20T00:00:00Z" } }),
    ];
    expect(keys.map((k) => keyStatus(k, NOW))).toEqual(["active", "disabled", "expired"]);
    const base = { search: "", status: "all", tag: "", sort: "name", descending: false } as const;
    expect(filterKeys(keys, base, NOW).map((k) => k.id)).toEqual(["b", "c", "a"]);
    expect(filterKeys(keys, { ...base, status: "expired" }, NOW).map((k) => k.id)).toEqual(["c"]);
    expect(filterKeys(keys, { ...base, tag: "x" }, NOW).map((k) => k.id)).toEqual(["a"]);
    expect(filterKeys(keys, { ...base, search: "AM" }, NOW).map((k) => k.id)).toEqual(["b"]);
    expect(filterKeys(keys, { ...base, sort: "createdAt", descending: true }, NOW).map((k) => k.id)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });
});

describe("account settings", () => {
  const STORED: Account = {
    id: "a1",
    type: "claude-console",
    platform: "claude",
    name: "c1",
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
  };

  it("validates and builds the body", () => {
    const form = { ...emptySettings(), name: "c1", baseUrl: "ftp://x", priority: "0" };
    expect(validateSettings(form)).toEqual({ baseUrl: "validate.url", priority: "validate.range" });
    const ok = { ...form, baseUrl: "http://127.0.0.1:9000/", priority: "10", models: "claude-*, gpt-5\nx" };
    expect(validateSettings(ok)).toEqual({});
    expect(settingsBody(ok)).toMatchObject({
      baseUrl: "http://127.0.0.1:9000",
      priority: 10,
      models: ["claude-*", "gpt-5", "x"],
      shared: true,
    });
    // Dedicated: sent as shared=false, and read back from an account (older servers send none).
    expect(settingsBody({ ...ok, shared: false }).shared).toBe(false);
    expect(settingsFrom({ ...STORED, shared: false }).shared).toBe(false);
    expect(settingsFrom(STORED).shared).toBe(true);
    expect(importHasToken({ projectId: "p" })).toBe(false);
    expect(importHasToken({ refreshToken: "r" })).toBe(true);
  });
});

describe("formatting and series", () => {
  it("formats money, tokens, durations and shares", () => {
    expect(formatCost(0)).toBe("$0.00");
    expect(formatCost(12.345)).toBe("$12.35");
    expect(formatCost(0.0042)).toBe("$0.0042");
    expect(formatCost(0.000123)).toBe("$0.000123");
    expect(formatTokens(999)).toBe("999");
    expect(formatTokens(1234)).toBe("1.2K");
    expect(formatTokens(3_400_000)).toBe("3.4M");
    expect(formatDuration(3_723_000)).toBe("1h 2m");
    expect(formatDuration(-1)).toBe("");
    expect(percentOf(5, 10)).toBe(50);
    expect(percentOf(50, 10)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });

  it("places hour and day stamps on the axis", () => {
    expect(stampToSeconds("2026-11-23:14")).toBe(Date.UTC(2026, 10, 23, 14) / 1000);
    expect(stampToSeconds("2026-11-23")).toBe(Date.UTC(2026, 10, 23) / 1000);
    expect(stampToSeconds("nope")).toBeNull();
    const columns = toColumns(
      [
        { period: "2026-11-23:13", requests: 1, cost: 0.5 },
        { period: "bad", requests: 9, cost: 9 },
        { period: "2026-11-23:14", requests: 2, cost: 0.25 },
      ],
      ["requests", "cost"] as const,
    );
    expect(columns).toEqual({
      x: [Date.UTC(2026, 10, 23, 13) / 1000, Date.UTC(2026, 10, 23, 14) / 1000],
      ys: [
        [1, 2],
        [0.5, 0.25],
      ],
    });
  });
});

describe("routes", () => {
  it("matches patterns and handles a base path", () => {
    expect(matchRoute("/keys/:id", "/keys/abc%20d")).toEqual({ id: "abc d" });
    expect(matchRoute("/keys/:id", "/keys")).toBeNull();
    expect(matchRoute("/stats", "/stats/")).toEqual({});
    expect(stripBase("/", "/keys")).toBe("/keys");
    expect(stripBase("/admin-ui/", "/admin-ui/keys")).toBe("/keys");
    expect(stripBase("/admin-ui/", "/admin-ui")).toBe("/");
    expect(withBase("/admin-ui/", "/keys")).toBe("/admin-ui/keys");
    expect(withBase("/", "/keys")).toBe("/keys");
  });
});

describe("price overrides", () => {
  it("shows USD per million tokens and stores USD per token", () => {
    const rows = rowsFrom({
      "m-1": {
        input_cost_per_token: 3e-6,
        output_cost_per_token: 1.5e-5,
        input_cost_per_token_above_200k_tokens: 6e-6,
      },
    });
    expect(rows[0]?.prices.input_cost_per_token).toBe("3");
    expect(rows[0]?.prices.output_cost_per_token).toBe("15");
    expect(perMillion(3.75e-7)).toBe("0.375");
    const { models, errors } = overridesFrom(rows);
    expect(errors).toEqual({});
    expect(models["m-1"]).toEqual({
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
      input_cost_per_token_above_200k_tokens: 6e-6,
    });
    const [row] = rows;
    if (!row) throw new Error("no row");
    const bad = overridesFrom([
      { ...row, model: "" },
      { ...row, prices: { ...row.prices, output_cost_per_token: "" } },
      row,
      row,
    ]);
    expect(bad.errors).toEqual({
      0: "pricing.modelRequired",
      1: "pricing.inputOutputRequired",
      3: "pricing.duplicate",
    });
    expect(parseOverridesJson('{"m":{"input_cost_per_token":1e-6}}')).toEqual({
      models: { m: { input_cost_per_token: 1e-6 } },
    });
    expect(parseOverridesJson('{"m":{"price":1}}')).toEqual({ error: "pricing.unknownField" });
    expect(parseOverridesJson("[]")).toEqual({ error: "pricing.badJson" });
  });
});

describe("pricing an unpriced model", () => {
  it("adds an empty override row named for the model, once, focusing an existing row instead", () => {
    const rows = rowsFrom({ "m-1": { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } });
    const added = withModelRow(rows, "gpt-house-2025-01-01");
    expect(added.rows.map((r) => r.model)).toEqual(["m-1", "gpt-house-2025-01-01"]);
    expect(added.index).toBe(1);
    expect(added.rows[1]?.prices.input_cost_per_token).toBe("");
    // Saving it unfilled asks for the prices rather than sending an empty override.
    expect(overridesFrom(added.rows).errors).toEqual({ 1: "pricing.inputOutputRequired" });
    const again = withModelRow(added.rows, " gpt-house-2025-01-01 ");
    expect(again.rows).toBe(added.rows);
    expect(again.index).toBe(1);
  });
});

describe("dictionaries", () => {
  it("have the same keys and the same placeholders in English and Chinese", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(zh[key as keyof typeof en]), key).toEqual(placeholders(text));
      expect(zh[key as keyof typeof en].trim(), key).not.toBe("");
    }
  });
});
