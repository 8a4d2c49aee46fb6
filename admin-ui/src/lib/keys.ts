// Relay keys in the dashboard: status, list filters, and the create/edit form's values ⇄ API body.
import {
  type ClientId,
  COST_PLATFORMS,
  type CostPlatform,
  type Expiry,
  type KeyInput,
  type KeyLimits,
  type KeyLive,
  type Platform,
  type RelayKey,
  type UserStats,
} from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import { microToUsd } from "./format.ts";
import { COST_PLATFORM_LABEL } from "./labels.ts";
import {
  between,
  maxLength,
  nonNegative,
  nonNegativeInt,
  num,
  required,
  splitList,
  validate,
} from "./validate.ts";

export type KeyStatus = "active" | "disabled" | "expired";

/** When a key stops working (epoch ms), or null if it does not (yet). */
export function keyExpiresAt(expiry: Expiry): number | null {
  if (expiry.mode === "fixed") return Date.parse(expiry.expiresAt);
  if (expiry.mode === "activation" && expiry.activatedAt) {
    return Date.parse(expiry.activatedAt) + expiry.days * 86_400_000;
  }
  return null;
}

export function keyStatus(key: RelayKey, now: number): KeyStatus {
  const end = keyExpiresAt(key.expiry);
  if (end !== null && end <= now) return "expired";
  return key.isActive ? "active" : "disabled";
}

export type SortField = "name" | "createdAt" | "status";
export interface KeyFilter {
  search: string;
  status: KeyStatus | "all";
  tag: string;
  sort: SortField;
  descending: boolean;
}

export function filterKeys(keys: readonly RelayKey[], filter: KeyFilter, now: number): RelayKey[] {
  const needle = filter.search.trim().toLowerCase();
  const matches = keys.filter((key) => {
    if (filter.status !== "all" && keyStatus(key, now) !== filter.status) return false;
    if (filter.tag && !key.tags.includes(filter.tag)) return false;
    if (!needle) return true;
    return [key.name, key.id, key.preview, key.description, ...key.tags].some((s) =>
      s.toLowerCase().includes(needle),
    );
  });
  const order: Record<KeyStatus, number> = { active: 0, disabled: 1, expired: 2 };
  const compare = (a: RelayKey, b: RelayKey): number => {
    if (filter.sort === "name") return a.name.localeCompare(b.name);
    if (filter.sort === "status") return order[keyStatus(a, now)] - order[keyStatus(b, now)];
    return a.createdAt.localeCompare(b.createdAt);
  };
  return matches.sort(
    (a, b) => (filter.descending ? -compare(a, b) : compare(a, b)) || a.id.localeCompare(b.id),
  );
}

export function allTags(keys: readonly RelayKey[]): string[] {
  return [...new Set(keys.flatMap((k) => k.tags))].sort();
}

/** The form's numeric limit fields, as text inputs. */
export const NUMBER_LIMITS = [
  "tokenLimit",
  "concurrencyLimit",
  "concurrencyQueueSeconds",
  "rateLimitWindowMinutes",
  "rateLimitRequests",
  "rateLimitCost",
  "dailyCostLimit",
  "totalCostLimit",
  "weeklyCostLimit",
  "weeklyResetDay",
  "weeklyResetHour",
] as const;
export type NumberLimit = (typeof NUMBER_LIMITS)[number];

export interface KeyForm {
  name: string;
  description: string;
  tags: string;
  expiryMode: Expiry["mode"];
  /** yyyy-mm-ddThh:mm (datetime-local), for fixed expiry */
  expiresAt: string;
  activationDays: string;
  /** Kept as is when the days do not change. */
  activatedAt: string | undefined;
  limits: Record<NumberLimit, string>;
  restrictedModels: string;
  allowedClients: ClientId[];
  permissions: Platform[];
  /** Lines of `platform daily total` (USD; 0 = none). */
  platformCaps: string;
  /** Lines of `model-or-prefix* daily total` (USD; 0 = none). */
  modelCaps: string;
}

export type KeyFormField =
  | Exclude<keyof KeyForm, "limits" | "allowedClients" | "permissions" | "activatedAt">
  | NumberLimit;

export const blankLimits = (): Record<NumberLimit, string> =>
  Object.fromEntries(NUMBER_LIMITS.map((f) => [f, ""])) as Record<NumberLimit, string>;

export function emptyKeyForm(): KeyForm {
  return {
    name: "",
    description: "",
    tags: "",
    expiryMode: "never",
    expiresAt: "",
    activationDays: "30",
    activatedAt: undefined,
    limits: { ...blankLimits(), weeklyResetDay: "1", weeklyResetHour: "0" },
    restrictedModels: "",
    allowedClients: [],
    permissions: [],
    platformCaps: "",
    modelCaps: "",
  };
}

/** ISO → the value of an <input type="datetime-local"> in the browser's zone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function keyFormFrom(key: RelayKey): KeyForm {
  const limits = limitTexts(key.limits);
  return {
    name: key.name,
    description: key.description,
    tags: key.tags.join(", "),
    expiryMode: key.expiry.mode,
    expiresAt: key.expiry.mode === "fixed" ? toLocalInput(key.expiry.expiresAt) : "",
    activationDays: key.expiry.mode === "activation" ? String(key.expiry.days) : "30",
    activatedAt: key.expiry.mode === "activation" ? key.expiry.activatedAt : undefined,
    limits,
    restrictedModels: key.limits.restrictedModels.join("\n"),
    allowedClients: [...key.limits.allowedClients],
    permissions: [...key.limits.permissions],
    // Absent from relays older than these caps (the dashboard may be deployed apart from the relay).
    platformCaps: capLinesOf((key.limits.platformLimits ?? []).map((c) => ({ ...c, name: c.platform }))),
    modelCaps: capLinesOf((key.limits.modelLimits ?? []).map((c) => ({ ...c, name: c.model }))),
  };
}

function capLinesOf(caps: { name: string; dailyCostLimit: number; totalCostLimit: number }[]): string {
  return caps.map((c) => `${c.name} ${c.dailyCostLimit} ${c.totalCostLimit}`).join("\n");
}

/**
 * Cost caps from form lines `name daily total` (USD, 0 = none; a missing total is 0): null when a
 * line does not read so, or a name comes twice (case-blind).
 */
export function parseCapLines(
  text: string,
  nameOk: (name: string) => boolean,
): { name: string; dailyCostLimit: number; totalCostLimit: number }[] | null {
  const caps: { name: string; dailyCostLimit: number; totalCostLimit: number }[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line) continue;
    const [name = "", daily = "", total = "0", ...rest] = line.split(/[\s,]+/);
    const numbers = [Number(daily), Number(total)];
    if (
      rest.length > 0 ||
      !nameOk(name) ||
      daily === "" ||
      numbers.some((n) => !Number.isFinite(n) || n < 0 || n > 1_000_000)
    )
      return null;
    if (seen.has(name.toLowerCase())) return null;
    seen.add(name.toLowerCase());
    caps.push({ name, dailyCostLimit: numbers[0] ?? 0, totalCostLimit: numbers[1] ?? 0 });
  }
  return caps;
}

const isCostPlatform = (name: string): name is CostPlatform =>
  (COST_PLATFORMS as readonly string[]).includes(name);
const isModelPattern = (name: string) => name.length > 0 && name.length <= 200;

export function platformCapsFrom(text: string): KeyLimits["platformLimits"] | null {
  const caps = parseCapLines(text, isCostPlatform);
  return caps?.map(({ name, ...c }) => ({ platform: name as CostPlatform, ...c })) ?? null;
}

export function modelCapsFrom(text: string): KeyLimits["modelLimits"] | null {
  return parseCapLines(text, isModelPattern)?.map(({ name, ...c }) => ({ model: name, ...c })) ?? null;
}

/** The numeric limits' checks (a key's limits, a user's default key limits). */
export function validateLimits(
  limits: Record<NumberLimit, string>,
): Partial<Record<NumberLimit, MessageKey>> {
  const ints = [nonNegativeInt];
  const money = [nonNegative];
  const errors = validate(limits, {
    tokenLimit: ints,
    concurrencyLimit: ints,
    concurrencyQueueSeconds: [nonNegative, (v) => (num(v) > 300 ? "validate.range" : null)],
    rateLimitWindowMinutes: ints,
    rateLimitRequests: ints,
    rateLimitCost: money,
    dailyCostLimit: money,
    totalCostLimit: money,
    weeklyCostLimit: money,
    weeklyResetDay: [between(1, 7)],
    weeklyResetHour: [between(0, 23)],
  });
  // Rate limits need a window to count in.
  const windowed = num(limits.rateLimitRequests) > 0 || num(limits.rateLimitCost) > 0;
  if (windowed && !errors.rateLimitWindowMinutes && !(num(limits.rateLimitWindowMinutes) > 0)) {
    errors.rateLimitWindowMinutes = "validate.windowNeeded";
  }
  return errors;
}

/** Form text for each numeric limit (0 shown empty, except an hour). */
export function limitTexts(source: KeyLimits): Record<NumberLimit, string> {
  const limits = blankLimits();
  for (const field of NUMBER_LIMITS) {
    const value = source[field];
    const keepZero = field === "weeklyResetHour";
    limits[field] = value === 0 && !keepZero ? "" : String(value);
  }
  return limits;
}

/** The numeric limits from the form's text (empty = 0; reset day at least 1). */
export function limitNumbers(limits: Record<NumberLimit, string>): Record<NumberLimit, number> {
  const out = {} as Record<NumberLimit, number>;
  for (const field of NUMBER_LIMITS) out[field] = num(limits[field]);
  if (!(out.weeklyResetDay >= 1)) out.weeklyResetDay = 1;
  return out;
}

/** Field → message key for every problem; empty when the form can be sent. */
export function validateKeyForm(form: KeyForm, now: number): Partial<Record<KeyFormField, MessageKey>> {
  const values: Record<string, string> = {
    name: form.name,
    description: form.description,
    expiresAt: form.expiresAt,
    activationDays: form.activationDays,
    ...form.limits,
  };
  const errors: Partial<Record<KeyFormField, MessageKey>> = {
    ...validate(values, { name: [required, maxLength(200)], description: [maxLength(2000)] }),
    ...validateLimits(form.limits),
  };
  if (!platformCapsFrom(form.platformCaps)) errors.platformCaps = "validate.platformCaps";
  if (!modelCapsFrom(form.modelCaps)) errors.modelCaps = "validate.modelCaps";
  const tags = splitList(form.tags);
  if (tags.length > 50 || tags.some((tag) => tag.length > 50)) errors.tags = "validate.tags";
  if (form.expiryMode === "fixed") {
    const at = Date.parse(form.expiresAt);
    if (!form.expiresAt || Number.isNaN(at)) errors.expiresAt = "validate.required";
    else if (at <= now) errors.expiresAt = "validate.future";
  }
  if (form.expiryMode === "activation" && !(Number(form.activationDays) > 0)) {
    errors.activationDays = "validate.positive";
  }
  return errors;
}

/** The body for POST /keys or PATCH /keys/{id} (every limit sent, so an edit can clear one). */
export function keyBodyFrom(form: KeyForm, original?: RelayKey): KeyInput {
  const limits = limitNumbers(form.limits);
  let expiry: Expiry;
  if (form.expiryMode === "fixed")
    expiry = { mode: "fixed", expiresAt: new Date(form.expiresAt).toISOString() };
  else if (form.expiryMode === "activation") {
    const days = Number(form.activationDays);
    const keep =
      original?.expiry.mode === "activation" && original.expiry.days === days
        ? original.expiry.activatedAt
        : undefined;
    expiry = keep ? { mode: "activation", days, activatedAt: keep } : { mode: "activation", days };
  } else expiry = { mode: "never" };
  const fullLimits: Partial<KeyLimits> = {
    ...limits,
    restrictedModels: splitList(form.restrictedModels),
    allowedClients: [...form.allowedClients],
    permissions: [...form.permissions],
    platformLimits: platformCapsFrom(form.platformCaps) ?? [],
    modelLimits: modelCapsFrom(form.modelCaps) ?? [],
  };
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    tags: splitList(form.tags),
    expiry,
    limits: fullLimits,
  };
}

/** A platform's or model's cost cap and what it has counted, USD. */
export interface CapUse {
  /** Unique among the key's caps: names the bars' test ids. */
  id: string;
  name: string;
  dailyUsed: number;
  dailyLimit: number;
  totalUsed: number;
  totalLimit: number;
}

/** A key's platform and model caps with their spend, as the bars show them (USD). */
export function capUses(caps: {
  platforms: {
    platform: CostPlatform;
    dailyCostLimit: number;
    totalCostLimit: number;
    dayUsed: number;
    totalUsed: number;
  }[];
  models: {
    model: string;
    dailyCostLimit: number;
    totalCostLimit: number;
    dayUsed: number;
    totalUsed: number;
  }[];
}): CapUse[] {
  return [
    ...caps.platforms.map((c) => ({
      id: `platform-${c.platform}`,
      name: COST_PLATFORM_LABEL[c.platform],
      dailyUsed: c.dayUsed,
      dailyLimit: c.dailyCostLimit,
      totalUsed: c.totalUsed,
      totalLimit: c.totalCostLimit,
    })),
    ...caps.models.map((c) => ({
      id: `model-${c.model.replace(/[^a-z0-9.-]+/gi, "_")}`,
      name: c.model,
      dailyUsed: c.dayUsed,
      dailyLimit: c.dailyCostLimit,
      totalUsed: c.totalUsed,
      totalLimit: c.totalCostLimit,
    })),
  ];
}

/** The caps of the admin API's live state (µUSD). */
export function liveCapUses(live: KeyLive): CapUse[] {
  const used = (c: { dayCostMicroUsd: number; totalCostMicroUsd: number }) => ({
    dayUsed: microToUsd(c.dayCostMicroUsd),
    totalUsed: microToUsd(c.totalCostMicroUsd),
  });
  return capUses({
    platforms: (live.caps?.platforms ?? []).map((c) => ({ ...c, ...used(c) })),
    models: (live.caps?.models ?? []).map((c) => ({ ...c, ...used(c) })),
  });
}

/** The caps of the public stats API (USD). */
export function statsCapUses(limits: UserStats["limits"]): CapUse[] {
  const used = (c: { currentDailyCost: number; currentTotalCost: number }) => ({
    dayUsed: c.currentDailyCost,
    totalUsed: c.currentTotalCost,
  });
  return capUses({
    platforms: (limits.platformLimits ?? []).map((c) => ({ ...c, ...used(c) })),
    models: (limits.modelLimits ?? []).map((c) => ({ ...c, ...used(c) })),
  });
}
