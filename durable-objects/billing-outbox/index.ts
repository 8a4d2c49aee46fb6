// BillingOutbox: one Durable Object that delivers billing events to the operator's HTTP sink when
// no Queue is bound. KeyGates hand it the events of each usage flush (`enqueue` stores them in
// SQLite and answers); its alarm POSTs them in signed batches and forgets a batch only when the
// sink answered 2xx. A failure is retried with backoff (1 s·2^i, at most 5 min) for as long as it
// takes — delivery is at least once, never given up — and the request id is the consumer's dedupe key.
import { DurableObject } from "cloudflare:workers";
import { buildBillingPost } from "../../worker/billing/http-sink.ts";
import { type Env, services } from "../../worker/env.ts";
import { describeError, log } from "../../worker/http/log.ts";
import type { BillingEvent, BillingSettings } from "../../worker/keyspace/records/billing.ts";

export interface BillingAttempt {
  at: string;
  batchId: string;
  events: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface BillingStatus {
  /** Events stored here and not yet accepted by the sink. */
  pending: number;
  oldestPendingAt: string | null;
  /** Events the sink accepted since this object was created. */
  delivered: number;
  lastDeliveredAt: string | null;
  /** The last POSTs, newest first. */
  attempts: BillingAttempt[];
}

export interface BillingTestResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
     request_id TEXT PRIMARY KEY, event TEXT NOT NULL, stored_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS events_next ON events (next_at)",
  `CREATE TABLE IF NOT EXISTS attempts (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, batch_id TEXT NOT NULL,
     events INTEGER NOT NULL, ok INTEGER NOT NULL, status INTEGER, error TEXT, duration_ms INTEGER NOT NULL)`,
  "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
];

const LOG_ROWS = 100;
const SETTINGS_TTL_MS = 30_000;
/** While the keyspace cannot say where to send, look again this often. */
const IDLE_RETRY_MS = 60_000;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;
/** Batches sent per alarm run; more go on in the next run at once. */
const BATCHES_PER_RUN = 10;
/** Beyond this many stored events, enqueue refuses: the KeyGates keep theirs and offer them again. */
export const MAX_PENDING = 200_000;

export class BillingOutbox extends DurableObject<Env> {
  private settings: { value: BillingSettings; loadedAt: number } | undefined;
  private alarmAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
      this.alarmAt = (await ctx.storage.getAlarm()) ?? undefined;
      // Events stored before a restart are sent even if no new ones come.
      if (this.alarmAt === undefined && this.pendingCount() > 0) this.schedule(Date.now());
    });
  }

  /**
   * Stores events (an id already waiting is kept as it is) and answers once they are durable.
   * `accepted: false` when full: the caller keeps them and offers them again later.
   */
  async enqueue(events: BillingEvent[]): Promise<{ accepted: boolean }> {
    if (this.pendingCount() + events.length > MAX_PENDING) {
      log("warn", "billing outbox full: events left with their KeyGate", { offered: events.length });
      return { accepted: false };
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const event of events) {
        this.ctx.storage.sql.exec(
          "INSERT OR IGNORE INTO events (request_id, event, stored_at, attempts, next_at) VALUES (?, ?, ?, 0, ?)",
          event.requestId,
          JSON.stringify(event),
          now,
          now,
        );
      }
    });
    this.schedule(now);
    return { accepted: true };
  }

  /** The admin changed the settings: read them again before the next delivery. */
  async settingsChanged(): Promise<void> {
    this.settings = undefined;
    if (this.pendingCount() > 0) this.schedule(Date.now());
  }

  async status(): Promise<BillingStatus> {
    const sql = this.ctx.storage.sql;
    const oldest = sql.exec<{ t: number | null }>("SELECT MIN(stored_at) AS t FROM events").one().t;
    const lastAt = this.meta("last_delivered_at");
    return {
      pending: this.pendingCount(),
      oldestPendingAt: oldest === null ? null : new Date(oldest).toISOString(),
      delivered: this.meta("delivered"),
      lastDeliveredAt: lastAt > 0 ? new Date(lastAt).toISOString() : null,
      attempts: sql
        .exec<{
          at: number;
          batch_id: string;
          events: number;
          ok: number;
          status: number | null;
          error: string | null;
          duration_ms: number;
        }>("SELECT * FROM attempts ORDER BY seq DESC LIMIT 50")
        .toArray()
        .map((row) => ({
          at: new Date(row.at).toISOString(),
          batchId: row.batch_id,
          events: row.events,
          ok: row.ok === 1,
          status: row.status,
          error: row.error,
          durationMs: row.duration_ms,
        })),
    };
  }

  /** POSTs an empty signed batch (`events: []`) to the configured URL, once, and says how it went. */
  async sendTest(): Promise<BillingTestResult> {
    this.settings = undefined;
    const settings = await this.loadSettings();
    if (!settings.url) return { ok: false, status: null, error: "no sink URL is set", durationMs: 0 };
    const batchId = `test_${crypto.randomUUID()}`;
    const result = await this.post(settings, batchId, []);
    this.logAttempt(batchId, 0, result);
    return result;
  }

  override async alarm(): Promise<void> {
    // Events due by the time this alarm was set for count as due, even when it runs early.
    const horizon = Math.max(Date.now(), this.alarmAt ?? 0);
    this.alarmAt = undefined;
    let settings: BillingSettings;
    try {
      settings = await this.loadSettings();
    } catch (error) {
      log("warn", "billing settings unreadable; delivery postponed", { error: describeError(error) });
      this.schedule(Date.now() + IDLE_RETRY_MS);
      return;
    }
    if (!settings.enabled || !settings.url) {
      // No sink (switched off, or events made while a gate could not read the settings): with
      // nowhere to send them, the events waiting are dropped, as none are made while it is off.
      const dropped = this.pendingCount();
      if (dropped > 0) {
        this.ctx.storage.sql.exec("DELETE FROM events");
        log("warn", "billing sink is off: waiting events dropped", { dropped });
      }
      return;
    }
    for (let run = 0; run < BATCHES_PER_RUN; run++) {
      const due = this.ctx.storage.sql
        .exec<{ request_id: string; event: string; attempts: number }>(
          "SELECT request_id, event, attempts FROM events WHERE next_at <= ? ORDER BY stored_at LIMIT ?",
          horizon,
          settings.batchSize,
        )
        .toArray();
      if (due.length === 0) break;
      const batchId = `bill_${crypto.randomUUID()}`;
      const events = due.map((row) => JSON.parse(row.event) as BillingEvent);
      const result = await this.post(settings, batchId, events);
      this.logAttempt(batchId, events.length, result);
      this.settle(due, result.ok);
      if (!result.ok) break;
    }
    this.scheduleNext();
  }

  /** A delivered batch is forgotten; a failed one waits its backoff (per event: its own attempts). */
  private settle(rows: { request_id: string; attempts: number }[], ok: boolean): void {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) {
        if (ok) sql.exec("DELETE FROM events WHERE request_id = ?", row.request_id);
        else {
          const attempts = row.attempts + 1;
          const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 20));
          sql.exec(
            "UPDATE events SET attempts = ?, next_at = ? WHERE request_id = ?",
            attempts,
            now + delay,
            row.request_id,
          );
        }
      }
      if (ok) {
        this.bump("delivered", rows.length);
        sql.exec("INSERT OR REPLACE INTO meta (name, value) VALUES ('last_delivered_at', ?)", now);
      }
    });
  }

  private async post(settings: BillingSettings, batchId: string, events: BillingEvent[]) {
    const started = Date.now();
    // A timer of our own, cleared with the answer (a pending AbortSignal.timeout keeps the object busy).
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException("timed out", "TimeoutError")),
      settings.timeoutMs,
    );
    try {
      const { url, init } = await buildBillingPost(
        settings.url ?? "",
        settings.secret,
        batchId,
        events,
        started,
      );
      const response = await fetch(url, { ...init, signal: abort.signal });
      const text = await response.text();
      return {
        ok: response.ok,
        status: response.status,
        error: response.ok ? null : `HTTP ${response.status}: ${text.slice(0, 200)}`,
        durationMs: Date.now() - started,
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      return {
        ok: false,
        status: null,
        error: timedOut ? `no answer within ${settings.timeoutMs} ms` : describeError(error),
        durationMs: Date.now() - started,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private logAttempt(batchId: string, events: number, result: BillingTestResult): void {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO attempts (at, batch_id, events, ok, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      Date.now(),
      batchId,
      events,
      result.ok ? 1 : 0,
      result.status,
      result.error,
      result.durationMs,
    );
    sql.exec("DELETE FROM attempts WHERE seq <= (SELECT MAX(seq) FROM attempts) - ?", LOG_ROWS);
  }

  private pendingCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
  }

  private meta(name: string): number {
    return (
      this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE name = ?", name).toArray()[0]
        ?.value ?? 0
    );
  }

  private bump(name: string, by: number): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
      name,
      by,
    );
  }

  private scheduleNext(): void {
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM events")
      .one().at;
    if (next !== null) this.schedule(Math.max(next, Date.now()));
  }

  /** Moves the one alarm earlier if `at` comes first. */
  private schedule(at: number): void {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  private async loadSettings(): Promise<BillingSettings> {
    const now = Date.now();
    if (this.settings && now - this.settings.loadedAt < SETTINGS_TTL_MS) return this.settings.value;
    try {
      const value = await services(this.env).keyspace.billing.settings();
      this.settings = { value, loadedAt: now };
      return value;
    } catch (error) {
      // Keyspace down: the last settings read stay good.
      if (this.settings) return this.settings.value;
      throw error;
    }
  }
}
