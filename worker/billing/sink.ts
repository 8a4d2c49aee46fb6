// Where billing events go: the bound Queue, else the one BillingOutbox (the HTTP sink), else nowhere.
import type { Env } from "../env.ts";
import type { BillingSettings } from "../keyspace/records/billing.ts";

export type BillingSinkKind = "queue" | "http" | "off";

export function billingSinkKind(env: Env, settings: BillingSettings): BillingSinkKind {
  if (env.BILLING_QUEUE) return "queue";
  return settings.enabled && settings.url ? "http" : "off";
}

/** The one outbox (batches from every KeyGate: a flush hands it one call, not one per request). */
export const billingOutboxOf = (env: Env) => env.BILLING_OUTBOX.getByName("billing");
