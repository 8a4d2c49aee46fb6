// Booster packs: extra cost allowance a key draws from once a cost limit is reached. The gate
// keeps them beside its counters (it is the authority for the key's limits), so admitting on a
// pack costs the request nothing more than the admission it already makes.
import type { CostPlatform, RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { matchesModel } from "../../worker/providers/model-patterns.ts";
import { addMicro } from "../../worker/usage/money.ts";
import { type Denial, isClaudeFamily, modelSpend, platformSpend, type Spend } from "./limits.ts";

export interface BoosterPack {
  id: string;
  amountMicroUsd: number;
  usedMicroUsd: number;
  grantedAt: string;
  /** After this the pack is no longer drawn from (what is left of it lapses). */
  expiresAt?: string;
  note: string;
  /** `admin` (granted on the key page or the API) or `card` (a redeemed quota card, `cardCode`). */
  source: "admin" | "card";
  cardCode?: string;
}

export interface PackDraw {
  requestId: string;
  packId: string;
  amountMicroUsd: number;
  at: string;
}

/** Draws kept for the admin and the key owner (the newest; older ones are summed in the packs). */
export const MAX_DRAWS = 500;
/** Packs kept per key: spent and lapsed ones beyond this are dropped, oldest first. */
export const MAX_PACKS = 100;

const COST_QUOTAS = new Set([
  "daily_cost_limit_exceeded",
  "total_cost_limit_exceeded",
  "weekly_cost_limit_exceeded",
  "platform_daily_cost_limit_exceeded",
  "platform_total_cost_limit_exceeded",
  "model_daily_cost_limit_exceeded",
  "model_total_cost_limit_exceeded",
]);

/** A refusal a pack lifts: a spent daily, weekly or total cost limit or a platform / model cap. */
export function isCostQuota(denial: Denial): boolean {
  return denial.kind === "quota" && COST_QUOTAS.has(denial.code);
}

const remaining = (pack: BoosterPack) => addMicro(pack.amountMicroUsd, -pack.usedMicroUsd);

const live = (pack: BoosterPack, now: number) =>
  pack.usedMicroUsd < pack.amountMicroUsd && (!pack.expiresAt || Date.parse(pack.expiresAt) > now);

/** What the key's unexpired packs have left, µUSD. */
export function packsLeft(packs: BoosterPack[], now: number): number {
  let left = 0;
  for (const pack of packs) if (live(pack, now)) left = addMicro(left, remaining(pack));
  return left;
}

const MICRO = 1_000_000;

/**
 * The part of a request's (rated) cost that no cost limit allowed: for each limit that applies to
 * the request, what the cost went past the limit, given the spend recorded before it; the largest
 * of those. A request entirely within every limit draws nothing.
 */
export function overLimitPart(
  record: RelayKeyRecord,
  before: Spend,
  model: string,
  platforms: CostPlatform[],
  cost: number,
): number {
  if (!(cost > 0)) return 0;
  const { limits } = record;
  let over = 0;
  const consider = (limitUsd: number, spent: number) => {
    if (!(limitUsd > 0)) return;
    const past = Math.min(cost, Math.max(0, spent + cost - limitUsd * MICRO));
    if (past > over) over = past;
  };
  consider(limits.dailyCostLimit, before.dayCostMicroUsd);
  consider(limits.totalCostLimit, before.totalCostMicroUsd);
  if (isClaudeFamily(model)) consider(limits.weeklyCostLimit, before.weekCostMicroUsd);
  for (const cap of limits.platformLimits) {
    if (!platforms.includes(cap.platform)) continue;
    const tally = platformSpend(before, cap.platform);
    consider(cap.dailyCostLimit, tally.dayCostMicroUsd);
    consider(cap.totalCostLimit, tally.totalCostMicroUsd);
  }
  for (const cap of limits.modelLimits) {
    if (!matchesModel([cap.model], model)) continue;
    const tally = modelSpend(before, cap.model);
    consider(cap.dailyCostLimit, tally.dayCostMicroUsd);
    consider(cap.totalCostLimit, tally.totalCostMicroUsd);
  }
  return over;
}

/**
 * Takes `amount` from the live packs, the one expiring first first (then the oldest); never more
 * than a pack has left. Returns the draws made (none when every pack is spent).
 */
export function drawFromPacks(
  packs: BoosterPack[],
  amount: number,
  requestId: string,
  now: number,
): PackDraw[] {
  const draws: PackDraw[] = [];
  let want = amount;
  const order = packs
    .filter((pack) => live(pack, now))
    .sort(
      (a, b) =>
        (a.expiresAt ? Date.parse(a.expiresAt) : Number.POSITIVE_INFINITY) -
          (b.expiresAt ? Date.parse(b.expiresAt) : Number.POSITIVE_INFINITY) ||
        a.grantedAt.localeCompare(b.grantedAt),
    );
  const at = new Date(now).toISOString();
  for (const pack of order) {
    if (!(want > 0)) break;
    const take = Math.min(want, remaining(pack));
    if (!(take > 0)) continue;
    pack.usedMicroUsd = addMicro(pack.usedMicroUsd, take);
    // Rounding in addMicro must never leave a pack below zero.
    if (pack.usedMicroUsd > pack.amountMicroUsd) pack.usedMicroUsd = pack.amountMicroUsd;
    want = addMicro(want, -take);
    draws.push({ requestId, packId: pack.id, amountMicroUsd: take, at });
  }
  return draws;
}

/** Keeps the pack list bounded: live packs always stay; spent or lapsed ones go, oldest first. */
export function prunePacks(packs: BoosterPack[], now: number): BoosterPack[] {
  if (packs.length <= MAX_PACKS) return packs;
  const keep = new Set(packs.filter((p) => live(p, now)).map((p) => p.id));
  const dead = packs.filter((p) => !keep.has(p.id));
  const drop = new Set(dead.slice(0, packs.length - MAX_PACKS).map((p) => p.id));
  return packs.filter((p) => !drop.has(p.id));
}
