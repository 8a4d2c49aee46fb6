// The KeyGate's part of billing events (issue 22 item 5). A usage flush that the keyspace took
// turns its records into billing events in the same step (one SQLite write with the flush's own
// bookkeeping, so a settled record yields its event once and only after the flush); the alarm then
// hands them to the sink — the bound Queue, else the BillingOutbox — and forgets them only once
// it has them. A failed hand-off is retried by the next alarm: at least once, never on a request's path.
import { type BilledRecord, billingEventOf } from "../../worker/billing/event.ts";
import { billingOutboxOf } from "../../worker/billing/sink.ts";
import { type Env, services } from "../../worker/env.ts";
import { describeError, log } from "../../worker/http/log.ts";
import type { BillingEvent } from "../../worker/keyspace/records/billing.ts";

/** Whether a sink is set is read at most this often per gate (an admin's change applies within it). */
const SETTINGS_TTL_MS = 60_000;
/** Events handed over per call (a Queue's sendBatch takes at most 100 messages). */
const HANDOFF_ROWS = 100;
const HANDOFF_CALLS_PER_ALARM = 10;
const MAX_RETRY_MS = 60_000;

export class BillingHandoff {
  private readonly storage: DurableObjectStorage;
  private readonly env: Env;
  private sinkSet: { value: boolean; at: number } | undefined;
  private failures = 0;

  constructor(storage: DurableObjectStorage, env: Env) {
    this.storage = storage;
    this.env = env;
    storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS billing_handoff (request_id TEXT PRIMARY KEY, event TEXT NOT NULL, stored_at INTEGER NOT NULL)",
    );
  }

  get waiting(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM billing_handoff").one().n;
  }

  /**
   * Whether flushed records become events: a Queue is bound, or the admin set an HTTP sink. When
   * the keyspace cannot say (and nothing was read before), they do: the hand-off drops them if not.
   */
  async wanted(now: number): Promise<boolean> {
    if (this.env.BILLING_QUEUE) return true;
    if (this.sinkSet && now - this.sinkSet.at < SETTINGS_TTL_MS) return this.sinkSet.value;
    try {
      const settings = await services(this.env).keyspace.billing.settings();
      this.sinkSet = { value: settings.enabled && settings.url !== undefined, at: now };
      return this.sinkSet.value;
    } catch {
      return this.sinkSet?.value ?? true;
    }
  }

  /** Called synchronously in the flush's confirming step: the events are stored with it. */
  capture(records: readonly BilledRecord[], ownerId: string | null, now: number): void {
    for (const record of records) {
      this.storage.sql.exec(
        "INSERT OR IGNORE INTO billing_handoff (request_id, event, stored_at) VALUES (?, ?, ?)",
        record.requestId,
        JSON.stringify(billingEventOf(record, ownerId)),
        now,
      );
    }
  }

  /** Hands stored events to the sink; returns when to try again (undefined: nothing left). */
  async handOff(now: number): Promise<number | undefined> {
    for (let call = 0; call < HANDOFF_CALLS_PER_ALARM; call++) {
      const rows = this.storage.sql
        .exec<{ request_id: string; event: string }>(
          "SELECT request_id, event FROM billing_handoff ORDER BY stored_at LIMIT ?",
          HANDOFF_ROWS,
        )
        .toArray();
      if (rows.length === 0) return undefined;
      const events = rows.map((row) => JSON.parse(row.event) as BillingEvent);
      let taken: boolean;
      try {
        taken = await this.send(events);
      } catch (error) {
        log("warn", "billing hand-off failed; will retry", {
          events: events.length,
          error: describeError(error),
        });
        taken = false;
      }
      if (!taken) {
        this.failures += 1;
        return now + Math.min(MAX_RETRY_MS, 1_000 * 2 ** Math.min(this.failures, 6));
      }
      this.failures = 0;
      this.storage.transactionSync(() => {
        for (const row of rows)
          this.storage.sql.exec("DELETE FROM billing_handoff WHERE request_id = ?", row.request_id);
      });
    }
    return this.waiting > 0 ? now : undefined;
  }

  private async send(events: BillingEvent[]): Promise<boolean> {
    const queue = this.env.BILLING_QUEUE;
    if (queue) {
      await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
      return true;
    }
    // No sink any more (switched off since the events were made): nothing to deliver them to.
    if (!(await this.wanted(Date.now()))) return true;
    const { accepted } = await billingOutboxOf(this.env).enqueue(events);
    return accepted;
  }
}
