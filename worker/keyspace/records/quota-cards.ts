// Quota cards: codes an admin hands out, each worth a cost allowance (a booster pack on the key
// that redeems it) or extra days of the key's validity (the original's quota and time cards).
import { z } from "zod";
import { isoDate } from "./common.ts";

export const CARD_TYPES = ["quota", "time"] as const;

export const quotaCardSchema = z.object({
  v: z.literal(1),
  /** What the owner types: upper-case letters and digits, dashes between groups. */
  code: z.string().regex(/^[A-Z0-9][A-Z0-9-]{5,63}$/),
  type: z.enum(CARD_TYPES),
  /** `quota`: the pack's amount, USD. */
  quotaAmount: z.number().min(0).max(1_000_000),
  /** `time`: days added to the key's expiry. */
  timeAmount: z.number().int().min(0).max(36_500),
  /** After this the card can no longer be redeemed. */
  expiresAt: isoDate.optional(),
  note: z.string().max(500),
  status: z.enum(["active", "redeemed", "disabled"]),
  createdAt: isoDate,
  createdBy: z.string(),
  redeemedAt: isoDate.optional(),
  redeemedKeyId: z.string().optional(),
});
export type QuotaCard = z.infer<typeof quotaCardSchema>;
