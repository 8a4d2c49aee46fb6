// A settled request's billing event, made once from the KeyGate's durable usage record (so every
// delivery of it, however often retried, carries the same content).
import { type BillingEvent, billingEventSchema } from "../keyspace/records/billing.ts";
import { counts, type UsageRecord } from "../usage/aggregate.ts";
import { picoOf } from "../usage/money.ts";

const PICO_PER_USD = 1e12;

/** A stored usage record; the KeyGate adds the rated cost its limits counted (issue 22 item 3). */
export type BilledRecord = UsageRecord & { ratedCostMicroUsd?: number };

export function billingEventOf(record: BilledRecord, ownerId: string | null): BillingEvent {
  const u = record.usage;
  const costPicoUsd = picoOf(record.costMicroUsd);
  const costUsd = costPicoUsd / PICO_PER_USD;
  const ratedCostUsd =
    record.ratedCostMicroUsd === undefined ? costUsd : picoOf(record.ratedCostMicroUsd) / PICO_PER_USD;
  return billingEventSchema.parse({
    v: 1,
    type: "billing.usage",
    requestId: record.requestId,
    keyId: record.keyId,
    ownerId,
    accountId: record.accountId ?? null,
    platform: record.platform,
    model: record.model,
    status: record.status,
    served: counts(record),
    tokens: {
      input: u.input_tokens,
      output: u.output_tokens,
      cacheCreate: u.cache_creation_input_tokens,
      cacheRead: u.cache_read_input_tokens,
      total: u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens,
    },
    costPicoUsd,
    costUsd,
    ratedCostUsd,
    at: new Date(record.startedAt).toISOString(),
  });
}
