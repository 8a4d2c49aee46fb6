// What a flushed batch adds to the request log: an entry per request in the log's sorted set and,
// for failures, in the account's error history; then each touched set is trimmed to the admin's
// retention and size. The settings are read by the batch's script itself, so the flush needs no
// extra round trip and the request path none at all.
import type { UsageRecord } from "../usage/aggregate.ts";
import { picoOf } from "../usage/money.ts";
import { keys } from "./keys.ts";
import {
  ACCOUNT_ERRORS_KEPT,
  compactUsage,
  DEFAULT_REQUEST_LOG_SETTINGS,
  LOG_MESSAGE_MAX,
  type RequestLogEntry,
  requestLogEntrySchema,
} from "./records/request-log.ts";

/** ZADD score member to each key given (the log, and a failure's account history): the entry sent once. */
export type LogAddOp = ["logadd", number, string, ...string[]];
/**
 * Trims a log set: drops entries older than the retention (`now` − days), keeps the newest `max`
 * (or fewer: the last field caps it, 0 for no cap of its own) and expires the set with its retention.
 * Fields: set, settings key, default days, default max, now (ms), own cap.
 */
export type LogTrimOp = ["logtrim", string, string, number, number, number, number];

export function logEntryOf(record: UsageRecord, errorTypeOf: (status: number) => string): RequestLogEntry {
  const failed = record.status >= 400;
  return requestLogEntrySchema.parse({
    v: 1,
    requestId: record.requestId,
    at: new Date(record.startedAt).toISOString(),
    keyId: record.keyId,
    accountId: record.accountId,
    platform: record.platform,
    model: record.model,
    status: record.status,
    durationMs: record.durationMs,
    upstreamMs: record.upstreamMs,
    usage: record.usage,
    costPicoUsd: picoOf(record.costMicroUsd),
    served: record.served !== false,
    errorType: failed ? (record.error?.type ?? errorTypeOf(record.status)) : undefined,
    message: failed && record.error?.message ? record.error.message.slice(0, LOG_MESSAGE_MAX) : undefined,
  });
}

export function requestLogOps(
  records: readonly UsageRecord[],
  errorTypeOf: (status: number) => string,
  now: number,
): Array<LogAddOp | LogTrimOp> {
  if (records.length === 0) return [];
  const adds: LogAddOp[] = [];
  const accounts = new Set<string>();
  for (const record of records) {
    const entry = logEntryOf(record, errorTypeOf);
    const member = JSON.stringify({ ...entry, usage: compactUsage(entry.usage) });
    if (record.status >= 400 && record.accountId) {
      adds.push([
        "logadd",
        record.startedAt,
        member,
        keys.requestLog(),
        keys.accountErrors(record.accountId),
      ]);
      accounts.add(record.accountId);
    } else {
      adds.push(["logadd", record.startedAt, member, keys.requestLog()]);
    }
  }
  const { retentionDays, maxEntries } = DEFAULT_REQUEST_LOG_SETTINGS;
  const trim = (key: string, cap: number): LogTrimOp => [
    "logtrim",
    key,
    keys.requestLogSettings(),
    retentionDays,
    maxEntries,
    now,
    cap,
  ];
  return [
    ...adds,
    trim(keys.requestLog(), 0),
    ...[...accounts].map((id) => trim(keys.accountErrors(id), ACCOUNT_ERRORS_KEPT)),
  ];
}
