// Notifier: one Durable Object that delivers webhook events. `enqueue` stores the event in SQLite
// and answers at once; the alarm sends it to every target that wants it, retrying failures with
// exponential backoff (retryDelayMs·2^i, maxRetries times), so a slow or dead target never delays
// what raised the event. Every attempt is kept in a short delivery log for the admin API.
import { DurableObject } from "cloudflare:workers";
import { type Env, services } from "../../worker/env.ts";
import { describeError, log } from "../../worker/http/log.ts";
import type { WebhookConfig, WebhookTarget } from "../../worker/keyspace/records/webhooks.ts";
import { loadWebhookConfig } from "../../worker/webhooks/config.ts";
import type { RelayEvent } from "../../worker/webhooks/events.ts";
import { buildDelivery, deliveryAccepted } from "../../worker/webhooks/format.ts";
import type { QueuedEvent } from "../../worker/webhooks/notify.ts";
import { type AttemptOutcome, deliveryLogRow, LOG_ROWS, SCHEMA } from "./schema.ts";

export type { AttemptOutcome };

export interface DeliveryAttempt {
  seq: number;
  at: string;
  eventId: string;
  eventType: string;
  targetId: string;
  targetType: string;
  /** 1 for the first try. */
  attempt: number;
  ok: boolean;
  /** HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  error: string | null;
  durationMs: number;
  outcome: AttemptOutcome;
}

export interface PendingDelivery {
  eventId: string;
  eventType: string;
  targetId: string;
  attempts: number;
  nextAt: string;
}

export interface QueueState {
  /** Events stored and not yet matched to targets. */
  waiting: number;
  deliveries: PendingDelivery[];
}

export interface TestResult {
  targetId: string;
  type: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  retryable: boolean;
  durationMs: number;
}

type EventRow = { id: string; type: string; at: number; data: string };
type DueRow = EventRow & { target_id: string; attempt: number };

const CONFIG_TTL_MS = 30_000;
const KEYSPACE_RETRY_MS = 30_000;
/** Deliveries sent per alarm run (more wait for the next run, a moment later). */
const BATCH = 25;
/** Beyond this many stored events new ones are dropped (and logged): a bound on a runaway source. */
const MAX_EVENTS = 5_000;

export class Notifier extends DurableObject<Env> {
  private config: { value: WebhookConfig; loadedAt: number } | undefined;
  private alarmAt: number | undefined;
  private running: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
      this.alarmAt = (await ctx.storage.getAlarm()) ?? undefined;
    });
  }

  /** Stores events for delivery (deduplicated by key) and answers; the alarm sends them. */
  async enqueue(items: QueuedEvent[]): Promise<{ queued: number }> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    let queued = 0;
    let stored = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
    for (const { event, dedupeKey, dedupeSeconds } of items) {
      if (dedupeKey) {
        const seen = sql
          .exec<{ until: number }>("SELECT until FROM dedupe WHERE key = ?", dedupeKey)
          .toArray()[0];
        if (seen && seen.until > now) continue;
        sql.exec(
          "INSERT OR REPLACE INTO dedupe (key, until) VALUES (?, ?)",
          dedupeKey,
          now + (dedupeSeconds ?? 86_400) * 1000,
        );
      }
      if (stored >= MAX_EVENTS) {
        log("warn", "webhook queue full: event dropped", { type: event.type, stored });
        continue;
      }
      sql.exec(
        "INSERT OR IGNORE INTO events (id, type, at, data, expanded) VALUES (?, ?, ?, ?, 0)",
        event.id,
        event.type,
        event.at,
        JSON.stringify(event.data),
      );
      stored++;
      queued++;
    }
    if (queued > 0) this.schedule(now);
    return { queued };
  }

  /** The admin changed the configuration: read it again before the next delivery. */
  async configChanged(): Promise<void> {
    this.config = undefined;
  }

  /** Sends a test event once to one target (enabled or not) or to every enabled target. */
  async sendTest(targetId?: string): Promise<TestResult[]> {
    this.config = undefined;
    const config = await this.loadConfig();
    const targets = targetId
      ? config.targets.filter((t) => t.id === targetId)
      : config.targets.filter((t) => t.enabled);
    const event: RelayEvent = {
      id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
      type: "test",
      at: Date.now(),
      data: { message: "Test notification from edge-relay" },
    };
    return Promise.all(
      targets.map(async (target) => {
        const result = await this.send(target, event);
        this.logAttempt(event, target, 1, result, "test");
        const { retryable: _retryable, ...rest } = result;
        return { targetId: target.id, type: target.type, ...rest };
      }),
    );
  }

  /** The delivery log, newest first. */
  async deliveries(limit = 100): Promise<DeliveryAttempt[]> {
    return this.ctx.storage.sql
      .exec<Parameters<typeof deliveryLogRow>[0]>(
        "SELECT * FROM attempts ORDER BY seq DESC LIMIT ?",
        Math.min(Math.max(1, limit), LOG_ROWS),
      )
      .toArray()
      .map(deliveryLogRow);
  }

  /** What is waiting to be sent. (RPC method names avoid `queue`, `test`: handler names.) */
  async pending(): Promise<QueueState> {
    const sql = this.ctx.storage.sql;
    const waiting = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE expanded = 0").one().n;
    const deliveries = sql
      .exec<{ event_id: string; type: string; target_id: string; attempt: number; next_at: number }>(
        `SELECT d.event_id, e.type, d.target_id, d.attempt, d.next_at
         FROM deliveries d JOIN events e ON e.id = d.event_id ORDER BY d.next_at LIMIT 500`,
      )
      .toArray()
      .map((row) => ({
        eventId: row.event_id,
        eventType: row.type,
        targetId: row.target_id,
        attempts: row.attempt,
        nextAt: new Date(row.next_at).toISOString(),
      }));
    return { waiting, deliveries };
  }

  override async alarm(): Promise<void> {
    // Deliveries due by the time this alarm was set for count as due, even when it runs early.
    const horizon = Math.max(Date.now(), this.alarmAt ?? 0);
    this.alarmAt = undefined;
    this.running ??= this.deliverDue(horizon).finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async deliverDue(horizon: number): Promise<void> {
    let config: WebhookConfig;
    try {
      config = await this.loadConfig();
    } catch (error) {
      log("warn", "webhook configuration unreadable; delivery postponed", { error: describeError(error) });
      this.schedule(Date.now() + KEYSPACE_RETRY_MS);
      return;
    }
    this.expand(config);
    const due = this.ctx.storage.sql
      .exec<DueRow>(
        `SELECT e.id, e.type, e.at, e.data, d.target_id, d.attempt
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.next_at <= ? ORDER BY d.next_at LIMIT ?`,
        horizon,
        BATCH,
      )
      .toArray();
    await Promise.all(due.map((row) => this.deliver(row, config)));
    this.cleanUp();
    this.scheduleNext();
  }

  /** New events become one delivery per enabled target that takes their type. */
  private expand(config: WebhookConfig): void {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const fresh = sql.exec<{ id: string; type: string }>("SELECT id, type FROM events WHERE expanded = 0");
    for (const { id, type } of fresh.toArray()) {
      const targets = config.enabled
        ? config.targets.filter(
            (t) => t.enabled && (t.events.length === 0 || (t.events as readonly string[]).includes(type)),
          )
        : [];
      if (targets.length === 0) {
        sql.exec("DELETE FROM events WHERE id = ?", id);
        continue;
      }
      for (const target of targets) {
        sql.exec(
          "INSERT OR IGNORE INTO deliveries (event_id, target_id, attempt, next_at) VALUES (?, ?, 0, ?)",
          id,
          target.id,
          now,
        );
      }
      sql.exec("UPDATE events SET expanded = 1 WHERE id = ?", id);
    }
  }

  private async deliver(row: DueRow, config: WebhookConfig): Promise<void> {
    const sql = this.ctx.storage.sql;
    const event: RelayEvent = {
      id: row.id,
      type: row.type as RelayEvent["type"],
      at: row.at,
      data: JSON.parse(row.data) as RelayEvent["data"],
    };
    const target = config.targets.find((t) => t.id === row.target_id);
    const attempt = row.attempt + 1;
    if (!target?.enabled || !config.enabled) {
      // Removed or switched off since the event was queued.
      sql.exec("DELETE FROM deliveries WHERE event_id = ? AND target_id = ?", row.id, row.target_id);
      this.forgetIfDone(row.id);
      return;
    }
    const result = await this.send(target, event);
    let outcome: AttemptOutcome;
    if (result.ok) outcome = "delivered";
    else if (result.retryable && attempt <= config.maxRetries) outcome = "retrying";
    else outcome = "gave-up";
    if (outcome === "retrying") {
      const nextAt = Date.now() + config.retryDelayMs * 2 ** (attempt - 1);
      sql.exec(
        "UPDATE deliveries SET attempt = ?, next_at = ? WHERE event_id = ? AND target_id = ?",
        attempt,
        nextAt,
        row.id,
        target.id,
      );
    } else {
      sql.exec("DELETE FROM deliveries WHERE event_id = ? AND target_id = ?", row.id, target.id);
      this.forgetIfDone(row.id);
    }
    this.logAttempt(event, target, attempt, result, outcome);
    if (outcome === "gave-up") {
      log("warn", "webhook delivery gave up", {
        eventType: event.type,
        targetId: target.id,
        attempts: attempt,
        error: result.error,
      });
    }
  }

  private async send(target: WebhookTarget, event: RelayEvent): Promise<SendResult> {
    const started = Date.now();
    try {
      const { url, init } = await buildDelivery(target, event, started);
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(target.timeoutMs) });
      const text = await response.text();
      const accepted = response.ok && deliveryAccepted(target, text);
      const status = response.status;
      return {
        ok: accepted,
        status,
        error: accepted ? null : `HTTP ${status}: ${text.slice(0, 200)}`,
        // A refused request (bad URL, bad token) stays refused; overload and 5xx may pass later.
        retryable: !accepted && (response.ok || status >= 500 || status === 429 || status === 408),
        durationMs: Date.now() - started,
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      return {
        ok: false,
        status: null,
        error: timedOut ? `no answer within ${target.timeoutMs} ms` : describeError(error),
        retryable: true,
        durationMs: Date.now() - started,
      };
    }
  }

  private logAttempt(
    event: RelayEvent,
    target: WebhookTarget,
    attempt: number,
    result: SendResult,
    outcome: AttemptOutcome,
  ): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO attempts (at, event_id, event_type, target_id, target_type, attempt, ok, status, error, duration_ms, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      Date.now(),
      event.id,
      event.type,
      target.id,
      target.type,
      attempt,
      result.ok ? 1 : 0,
      result.status,
      result.error,
      result.durationMs,
      outcome,
    );
  }

  private forgetIfDone(eventId: string): void {
    const sql = this.ctx.storage.sql;
    const left = sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE event_id = ?", eventId)
      .one().n;
    if (left === 0) sql.exec("DELETE FROM events WHERE id = ?", eventId);
  }

  private cleanUp(): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM dedupe WHERE until <= ?", Date.now());
    sql.exec("DELETE FROM attempts WHERE seq <= (SELECT MAX(seq) FROM attempts) - ?", LOG_ROWS);
  }

  private scheduleNext(): void {
    const sql = this.ctx.storage.sql;
    const waiting = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE expanded = 0").one().n;
    const next = sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM deliveries").one().at;
    const now = Date.now();
    if (waiting > 0) this.schedule(now);
    else if (next !== null) this.schedule(Math.max(next, now));
  }

  /** Moves the one alarm earlier if `at` comes first. */
  private schedule(at: number): void {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  private async loadConfig(): Promise<WebhookConfig> {
    const now = Date.now();
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS) return this.config.value;
    try {
      const value = await loadWebhookConfig(services(this.env).keyspace);
      this.config = { value, loadedAt: now };
      return value;
    } catch (error) {
      // Keyspace down: the last configuration read stays good.
      if (this.config) return this.config.value;
      throw error;
    }
  }
}
