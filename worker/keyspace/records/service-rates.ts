// Service rates: the multiplier each platform's and model's real cost is counted at by the keys'
// limits, quotas and packs (the original's `system:service_rates`), 1 where none is set.
import { z } from "zod";
import { isoDate } from "./common.ts";
import { costPlatformSchema } from "./relay-keys.ts";

const rate = z.number().positive().max(1000);

export const serviceRatesSchema = z.object({
  v: z.literal(1),
  /** Per cost platform (claude, bedrock, gemini, openai, azure-openai, droid). */
  rates: z.partialRecord(costPlatformSchema, rate).default({}),
  /**
   * Per model: an exact name or `prefix*`, case-blind; the longest matching pattern wins and
   * replaces the platform's rate.
   */
  modelRates: z
    .array(z.object({ model: z.string().trim().min(1).max(200), rate }))
    .max(200)
    .refine(
      (list) => new Set(list.map((r) => r.model.toLowerCase())).size === list.length,
      "one entry per model pattern",
    )
    .default([]),
  updatedAt: isoDate.optional(),
});
export type ServiceRates = z.infer<typeof serviceRatesSchema>;
export const DEFAULT_SERVICE_RATES: ServiceRates = { v: 1, rates: {}, modelRates: [] };
