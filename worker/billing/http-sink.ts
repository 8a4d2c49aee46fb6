// The HTTP sink's request: a batch of billing events as one JSON POST, signed as webhooks sign
// custom targets — `x-edge-relay-signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>` with
// `x-edge-relay-timestamp: <ts>` (epoch seconds) — so the receiver can check it came from us.
import { toHex } from "../keyspace/crypto.ts";
import type { BillingEvent } from "../keyspace/records/billing.ts";
import { type Delivery, hmacSha256, postJson } from "../webhooks/delivery.ts";

export interface BillingBatch {
  type: "billing.batch";
  service: "edge-relay";
  /** Ids a resend of the same batch keeps (the events' request ids are the dedupe keys). */
  batchId: string;
  sentAt: string;
  events: BillingEvent[];
}

export async function buildBillingPost(
  url: string,
  secret: string | undefined,
  batchId: string,
  events: BillingEvent[],
  now: number,
): Promise<Delivery> {
  const body: BillingBatch = {
    type: "billing.batch",
    service: "edge-relay",
    batchId,
    sentAt: new Date(now).toISOString(),
    events,
  };
  const delivery = postJson(url, body, { "x-edge-relay-batch-id": batchId });
  if (secret) {
    const ts = String(Math.floor(now / 1000));
    const signature = toHex(await hmacSha256(secret, `${ts}.${delivery.init.body}`));
    delivery.init.headers["x-edge-relay-timestamp"] = ts;
    delivery.init.headers["x-edge-relay-signature"] = `sha256=${signature}`;
  }
  return delivery;
}
