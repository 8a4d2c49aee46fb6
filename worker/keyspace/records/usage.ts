// Usage: token counts, and the recent requests and errors the write-behind keeps per key.
import { z } from "zod";
import { isoDate } from "./common.ts";

/** Token counts as the Anthropic API names them; other protocols are mapped onto these. */
export const usageSchema = z.object({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0),
  cache_read_input_tokens: z.number().int().min(0),
  ephemeral_5m_input_tokens: z.number().int().min(0),
  ephemeral_1h_input_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof usageSchema>;

export const recentRequestSchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  at: isoDate,
  keyId: z.string(),
  accountId: z.string().optional(),
  model: z.string(),
  status: z.number().int(),
  durationMs: z.number().min(0),
  usage: usageSchema,
  /** Rounded to whole micro-dollars (what readers before `costPicoUsd` expect). */
  costMicroUsd: z.number().int().min(0),
  /** The exact cost in pico-dollars (10⁻¹² USD); absent in records written before it existed. */
  costPicoUsd: z.number().int().min(0).optional(),
});
export type RecentRequest = z.infer<typeof recentRequestSchema>;

/** A failed request (status ≥ 400) for the dashboard's recent-errors panel; never a secret. */
export const recentErrorSchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  at: isoDate,
  keyId: z.string(),
  accountId: z.string().optional(),
  platform: z.string(),
  model: z.string(),
  status: z.number().int(),
  /** The relay's error kind or code (e.g. `unavailable`, `upstream_error`). */
  errorType: z.string(),
  message: z.string().max(500).default(""),
});
export type RecentError = z.infer<typeof recentErrorSchema>;
