// A key owner redeems a quota card: the card is marked redeemed by the key in one keyspace script
// (of concurrent redemptions exactly one wins), then its worth is applied — a booster pack on the
// key's gate (granted once per card, so a retried redemption adds nothing) or days of validity.
import type { BoosterPack } from "../../durable-objects/key-gate/packs.ts";
import type { Env } from "../env.ts";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import type { QuotaCard } from "../keyspace/records/quota-cards.ts";
import type { Expiry, RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import { forgetCachedKey } from "../relay/auth.ts";
import { expiresAt } from "../relay/expiry.ts";
import { gateOf } from "../relay/gate.ts";

const DAY_MS = 86_400_000;

export interface Redemption {
  card: Pick<QuotaCard, "code" | "type" | "quotaAmount" | "timeAmount" | "note" | "redeemedAt">;
  /** What the key has now: its packs' remainder and its expiry. */
  packsLeftMicroUsd: number;
  expiresAt: string | null;
}

/** Codes are typed by people: spaces dropped, case ignored. */
export const normalizeCode = (code: string) => code.replace(/\s+/g, "").toUpperCase();

/** A card as the pack it becomes on the key that redeemed it. */
export function packOfCard(card: QuotaCard): BoosterPack {
  return {
    id: `card:${card.code}`,
    amountMicroUsd: Math.round(card.quotaAmount * 1_000_000),
    usedMicroUsd: 0,
    grantedAt: card.redeemedAt ?? new Date().toISOString(),
    note: card.note,
    source: "card",
    cardCode: card.code,
  };
}

/** The key's expiry `days` later: a fixed date moves (from now if past), N days from first use grows. */
export function extendedExpiry(expiry: Expiry, days: number, now: number): Expiry | null {
  if (expiry.mode === "never") return null;
  if (expiry.mode === "activation") return { ...expiry, days: expiry.days + days };
  const from = Math.max(Date.parse(expiry.expiresAt), now);
  return { mode: "fixed", expiresAt: new Date(from + days * DAY_MS).toISOString() };
}

export async function redeemCard(env: Env, record: RelayKeyRecord, typed: string): Promise<Redemption> {
  const { keyspace } = services(env);
  const code = normalizeCode(typed);
  if (!/^[A-Z0-9][A-Z0-9-]{5,63}$/.test(code)) throw new RelayError("invalid_request", "Not a card code");
  const now = Date.now();
  // A time card cannot lengthen a key that never expires: refused before the card is spent.
  const before = await keyspace.quotaCards.get(code);
  if (before?.type === "time" && record.expiry.mode === "never")
    throw new RelayError("invalid_request", "This key never expires: a time card adds nothing to it");
  const outcome = await keyspace.quotaCards.redeem(code, record.id, now);
  switch (outcome.status) {
    case "not_found":
      throw new RelayError("not_found", "No such card");
    case "already_redeemed":
      throw new RelayError("invalid_request", "This card has been redeemed already");
    case "disabled":
      throw new RelayError("invalid_request", "This card has been disabled");
    case "expired":
      throw new RelayError("invalid_request", "This card has expired");
  }
  const { card } = outcome;
  const gate = gateOf(env, record.id);
  let expiry = record.expiry;
  if (card.type === "quota") await gate.grantPack(packOfCard(card));
  else if (outcome.status === "redeemed") {
    // Days are added once: a retry of the same redemption (redeemed_by_you) leaves the key alone.
    const extended = extendedExpiry(record.expiry, card.timeAmount, now);
    if (extended) {
      expiry = extended;
      const updated = { ...record, expiry, updatedAt: new Date().toISOString() };
      await keyspace.putRelayKey(updated);
      await forgetCachedKey(record.hash);
      await gate.configure(updated);
    }
  }
  const state = await gate.packState();
  const expiresAtMs = expiresAt({ ...record, expiry });
  return {
    card: {
      code: card.code,
      type: card.type,
      quotaAmount: card.quotaAmount,
      timeAmount: card.timeAmount,
      note: card.note,
      redeemedAt: card.redeemedAt,
    },
    packsLeftMicroUsd: state.leftMicroUsd,
    expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs).toISOString(),
  };
}
