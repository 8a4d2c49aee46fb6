// The KeyGate's write-behind of usage. A settle is acknowledged only once its record is in the
// object's SQLite storage; settles arriving within a few milliseconds share one transaction
// (group commit). An alarm flushes stored records to the keyspace as one idempotent batch and
// forgets them only after the keyspace has them, so nothing is lost or counted twice. Flushed
// rows keep their request id (not their record) for a while: a settle retried after a flush
// is still recognised.

import { log } from "../../worker/http/log.ts";
import type { UsageStore } from "../../worker/keyspace/usage-store.ts";
import type { UsageRecord } from "../../worker/usage/aggregate.ts";

const GROUP_COMMIT_MS = 5;
const BATCH_ROWS = 500;
export const FLUSH_DELAY_MS = 1_000;
const MAX_RETRY_MS = 15_000;
/** How long a flushed request id is remembered, against late retries of its settle. */
const REMEMBER_MS = 10 * 60_000;
const DONE = "done";

interface Pending {
  record: UsageRecord;
  resolve: () => void;
}

export class UsageOutbox {
  private readonly storage: DurableObjectStorage;
  private readonly ownerId: string;
  private pending: Pending[] = [];
  private readonly pendingIds = new Set<string>();
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  /** Time of the last successful flush (epoch ms), for the flush-lag metric. */
  lastFlushAt = 0;

  constructor(storage: DurableObjectStorage, ownerId: string) {
    this.storage = storage;
    this.ownerId = ownerId;
    storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS usage_outbox (request_id TEXT PRIMARY KEY, batch TEXT, record TEXT NOT NULL, stored_at INTEGER NOT NULL)",
    );
    storage.sql.exec("CREATE INDEX IF NOT EXISTS usage_outbox_batch ON usage_outbox (batch)");
  }

  /** Whether this request's usage was already taken (waiting, stored, or flushed recently). */
  has(requestId: string): boolean {
    if (this.pendingIds.has(requestId)) return true;
    return (
      this.storage.sql.exec("SELECT 1 FROM usage_outbox WHERE request_id = ?", requestId).toArray().length > 0
    );
  }

  /** Resolves once the record is durable. */
  add(record: UsageRecord): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push({ record, resolve });
      this.pendingIds.add(record.requestId);
      this.commitTimer ??= setTimeout(() => this.commit(), GROUP_COMMIT_MS);
    });
  }

  get waiting(): number {
    const row = this.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM usage_outbox WHERE batch IS NULL OR batch <> ?", DONE)
      .one();
    return row.n + this.pending.length;
  }

  /** Age (ms) of the oldest record not yet in the keyspace; 0 when all are flushed. */
  lagMs(now: number): number {
    const row = this.storage.sql
      .exec<{ t: number | null }>(
        "SELECT MIN(stored_at) AS t FROM usage_outbox WHERE batch IS NULL OR batch <> ?",
        DONE,
      )
      .one();
    return row.t === null ? 0 : now - row.t;
  }

  private commit(): void {
    this.commitTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.pendingIds.clear();
    const now = Date.now();
    this.storage.transactionSync(() => {
      for (const { record } of batch) {
        this.storage.sql.exec(
          "INSERT OR IGNORE INTO usage_outbox (request_id, batch, record, stored_at) VALUES (?, NULL, ?, ?)",
          record.requestId,
          JSON.stringify(record),
          now,
        );
      }
    });
    // The replies wait on the output gate until this transaction is durable.
    for (const { resolve } of batch) resolve();
  }

  /**
   * Sends one batch to the keyspace. Returns when to flush next: soon if more is waiting,
   * later after a failure (with backoff), or undefined when the outbox is empty.
   */
  async flush(
    usage: Pick<UsageStore, "applyBatch">,
    offsetHours: number,
    now: number,
    /** Runs in the step that confirms the batch (its writes are stored with the confirmation). */
    onApplied?: (records: UsageRecord[]) => void,
  ): Promise<number | undefined> {
    const sql = this.storage.sql;
    // A batch that was claimed but not confirmed (a crash mid-flush) is resent under its own id.
    let batch = sql
      .exec<{ batch: string }>(
        "SELECT batch FROM usage_outbox WHERE batch IS NOT NULL AND batch <> ? LIMIT 1",
        DONE,
      )
      .toArray()[0]?.batch;
    if (!batch) {
      batch = `${this.ownerId}:${now}:${crypto.randomUUID().slice(0, 8)}`;
      sql.exec(
        "UPDATE usage_outbox SET batch = ? WHERE request_id IN (SELECT request_id FROM usage_outbox WHERE batch IS NULL ORDER BY stored_at LIMIT ?)",
        batch,
        BATCH_ROWS,
      );
      // The claim must be durable before the keyspace sees the batch: a resend must reuse its id.
      await this.storage.sync();
    }
    const rows = sql
      .exec<{ record: string; stored_at: number }>(
        "SELECT record, stored_at FROM usage_outbox WHERE batch = ?",
        batch,
      )
      .toArray();
    if (rows.length === 0) return undefined;
    const records = rows.map((row) => JSON.parse(row.record) as UsageRecord);
    try {
      await usage.applyBatch(batch, records, offsetHours, {
        at: now,
        lagMs: now - Math.min(...rows.map((row) => row.stored_at)),
      });
    } catch (error) {
      this.failures += 1;
      log("warn", "usage flush failed; will retry", { batch, error: String(error) });
      return now + Math.min(MAX_RETRY_MS, 1_000 * 2 ** Math.min(this.failures, 6));
    }
    this.failures = 0;
    this.lastFlushAt = now;
    this.storage.transactionSync(() => {
      onApplied?.(records);
      sql.exec("UPDATE usage_outbox SET batch = ?, record = '' WHERE batch = ?", DONE, batch);
    });
    sql.exec("DELETE FROM usage_outbox WHERE batch = ? AND stored_at < ?", DONE, now - REMEMBER_MS);
    // More than a batch waiting: go on at once; otherwise the next flush gathers a second's worth.
    const more = sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM usage_outbox WHERE batch IS NULL")
      .one().n;
    if (more === 0) return undefined;
    return more >= BATCH_ROWS ? now + 10 : now + FLUSH_DELAY_MS;
  }
}
