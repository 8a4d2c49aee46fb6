// The request log: one entry per finished request, written by the usage flush (never on the
// request path) into a sorted set capped by count and by age, and the admin's settings for it.
// No request or response body is kept: an entry says who asked what, how it ended and what it cost.
import { z } from "zod";
import { isoDate } from "./common.ts";
import { type Usage, usageSchema } from "./usage.ts";

/** Longest error message an entry keeps (what the client was told, never a secret). */
export const LOG_MESSAGE_MAX = 300;

export const requestLogEntrySchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  /** When the request started. */
  at: isoDate,
  keyId: z.string(),
  accountId: z.string().optional(),
  platform: z.string(),
  model: z.string(),
  status: z.number().int(),
  durationMs: z.number().min(0),
  /** Until the upstream's response headers; absent when no upstream answered. */
  upstreamMs: z.number().min(0).optional(),
  /** Token counts; a count of 0 is left out when written (the flush sends a batch's entries at once). */
  usage: z
    .object(
      Object.fromEntries(Object.keys(usageSchema.shape).map((k) => [k, z.number().int().min(0).default(0)])),
    )
    .transform((u) => usageSchema.parse(u)),
  /** The exact cost in pico-dollars (10⁻¹² USD). */
  costPicoUsd: z.number().int().min(0),
  /** False when the relay refused it before any upstream answered (not counted in usage). */
  served: z.boolean(),
  /** For failed requests: the relay's error kind and what the client was told. */
  errorType: z.string().optional(),
  message: z.string().max(LOG_MESSAGE_MAX).optional(),
});
export type RequestLogEntry = z.infer<typeof requestLogEntrySchema>;

/** Token counts without their zeros, as an entry stores them. */
export function compactUsage(usage: Usage): Partial<Usage> {
  return Object.fromEntries(Object.entries(usage).filter(([, n]) => n !== 0));
}

export const RETENTION_DAYS_MAX = 30;
export const LOG_ENTRIES_MIN = 100;
export const LOG_ENTRIES_MAX = 200_000;
/** Failed requests remembered per account for its error history (within the same retention). */
export const ACCOUNT_ERRORS_KEPT = 200;

/** How long and how many entries the request log keeps (the admin's Settings). */
export const requestLogSettingsSchema = z.object({
  v: z.literal(1),
  retentionDays: z.number().int().min(1).max(RETENTION_DAYS_MAX).default(3),
  maxEntries: z.number().int().min(LOG_ENTRIES_MIN).max(LOG_ENTRIES_MAX).default(20_000),
  updatedAt: isoDate.optional(),
});
export type RequestLogSettings = z.infer<typeof requestLogSettingsSchema>;

export const DEFAULT_REQUEST_LOG_SETTINGS: RequestLogSettings = requestLogSettingsSchema.parse({ v: 1 });

/** Which entries a reader wants; every field narrows, none given means all. */
export interface RequestLogFilter {
  keyId?: string;
  accountId?: string;
  /** Part of the model name, case-blind. */
  model?: string;
  /** A status class: 2xx, 3xx, 4xx, 5xx. */
  statusClass?: "2xx" | "3xx" | "4xx" | "5xx";
  errorsOnly?: boolean;
}

export function matchesFilter(entry: RequestLogEntry, filter: RequestLogFilter): boolean {
  if (filter.keyId && entry.keyId !== filter.keyId) return false;
  if (filter.accountId && entry.accountId !== filter.accountId) return false;
  if (filter.model && !entry.model.toLowerCase().includes(filter.model.toLowerCase())) return false;
  if (filter.statusClass && Math.floor(entry.status / 100) !== Number(filter.statusClass[0])) return false;
  if (filter.errorsOnly && entry.status < 400) return false;
  return true;
}
