// Quota cards (records/quota-cards.ts). A redemption is one script: the card is checked and
// marked redeemed in the same step, so of any number of concurrent redemptions exactly one wins.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "./keys.ts";
import { type QuotaCard, quotaCardSchema } from "./records/quota-cards.ts";

/** KEYS[1] the card; ARGV: key id, now (ISO), now (ms). Answers a status and the card's JSON. */
const REDEEM = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not_found', ''} end
local card = cjson.decode(raw)
if card.status == 'redeemed' then
  if card.redeemedKeyId == ARGV[1] then return {'redeemed_by_you', raw} end
  return {'already_redeemed', ''}
end
if card.status ~= 'active' then return {'disabled', ''} end
if card.expiresAtMs and tonumber(card.expiresAtMs) <= tonumber(ARGV[3]) then return {'expired', ''} end
card.status = 'redeemed'
card.redeemedKeyId = ARGV[1]
card.redeemedAt = ARGV[2]
local out = cjson.encode(card)
redis.call('SET', KEYS[1], out)
return {'redeemed', out}
`;

/** KEYS[1] the card; disables an unredeemed card, answers its status before. */
const DISABLE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 'not_found' end
local card = cjson.decode(raw)
if card.status == 'active' then
  card.status = 'disabled'
  redis.call('SET', KEYS[1], cjson.encode(card))
end
return card.status
`;

export type RedeemOutcome =
  | { status: "redeemed" | "redeemed_by_you"; card: QuotaCard }
  | { status: "not_found" | "already_redeemed" | "disabled" | "expired" };

/** The stored form: the record plus its expiry in ms, which the script compares. */
const stored = (card: QuotaCard) =>
  JSON.stringify({
    ...quotaCardSchema.parse(card),
    expiresAtMs: card.expiresAt ? Date.parse(card.expiresAt) : undefined,
  });

/** A stored card (a JSON string, or the object a client that deserialises gives), or null. */
function parse(raw: unknown): QuotaCard | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== "object") return null;
  const { expiresAtMs: _ms, ...card } = value as Record<string, unknown>;
  const parsed = quotaCardSchema.safeParse(card);
  return parsed.success ? parsed.data : null;
}

export class QuotaCardStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Stores new cards; false for a code that exists already (nothing of it is changed). */
  async create(cards: QuotaCard[]): Promise<boolean[]> {
    if (cards.length === 0) return [];
    const tx = this.redis.multi();
    for (const card of cards) tx.set(keys.quotaCard(card.code), stored(card), { nx: true });
    for (const card of cards)
      tx.zadd(keys.quotaCardIndex(), { score: Date.parse(card.createdAt), member: card.code });
    const results = await tx.exec();
    return results.slice(0, cards.length).map((r) => r === "OK");
  }

  async get(code: string): Promise<QuotaCard | null> {
    return parse(await this.redis.get(keys.quotaCard(code)));
  }

  /** The newest `limit` cards, newest first. */
  async list(limit = 500): Promise<QuotaCard[]> {
    const codes = await this.redis.zrange<string[]>(keys.quotaCardIndex(), 0, limit - 1, { rev: true });
    if (codes.length === 0) return [];
    const raws = await this.redis.mget<unknown[]>(...codes.map((code) => keys.quotaCard(code)));
    return raws.flatMap((raw) => {
      const card = raw === null ? null : parse(raw);
      return card ? [card] : [];
    });
  }

  async disable(code: string): Promise<"not_found" | QuotaCard["status"]> {
    return String(await this.redis.eval(DISABLE, [keys.quotaCard(code)], [])) as
      | "not_found"
      | QuotaCard["status"];
  }

  /** Marks the card redeemed by `keyId` if it still may be, atomically. */
  async redeem(code: string, keyId: string, now: number): Promise<RedeemOutcome> {
    const [status, raw] = (await this.redis.eval(
      REDEEM,
      [keys.quotaCard(code)],
      [keyId, new Date(now).toISOString(), String(now)],
    )) as [string, string];
    if (status === "redeemed" || status === "redeemed_by_you") {
      const card = parse(raw);
      if (!card) throw new Error(`quota card ${code} does not match its schema`);
      return { status, card };
    }
    return { status: status as "not_found" | "already_redeemed" | "disabled" | "expired" };
  }
}
