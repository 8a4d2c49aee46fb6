// The Notifier's SQLite tables: queued events, one pending delivery per (event, target), the
// dedupe keys, and the last LOG_ROWS attempts.

export type AttemptOutcome = "delivered" | "retrying" | "gave-up" | "test";

export const LOG_ROWS = 200;

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
     id TEXT PRIMARY KEY, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL,
     expanded INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS deliveries (
     event_id TEXT NOT NULL, target_id TEXT NOT NULL, attempt INTEGER NOT NULL, next_at INTEGER NOT NULL,
     PRIMARY KEY (event_id, target_id))`,
  "CREATE INDEX IF NOT EXISTS deliveries_next ON deliveries (next_at)",
  "CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, until INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS attempts (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event_id TEXT NOT NULL,
     event_type TEXT NOT NULL, target_id TEXT NOT NULL, target_type TEXT NOT NULL,
     attempt INTEGER NOT NULL, ok INTEGER NOT NULL, status INTEGER, error TEXT,
     duration_ms INTEGER NOT NULL, outcome TEXT NOT NULL)`,
];

type AttemptRow = {
  seq: number;
  at: number;
  event_id: string;
  event_type: string;
  target_id: string;
  target_type: string;
  attempt: number;
  ok: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  outcome: string;
};

export function deliveryLogRow(row: AttemptRow) {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    eventId: row.event_id,
    eventType: row.event_type,
    targetId: row.target_id,
    targetType: row.target_type,
    attempt: row.attempt,
    ok: row.ok === 1,
    status: row.status,
    error: row.error,
    durationMs: row.duration_ms,
    outcome: row.outcome as AttemptOutcome,
  };
}
