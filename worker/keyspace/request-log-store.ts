// Reading the request log (written only by the usage flush: request-log-ops.ts) and its settings.
// Pages are newest first; a filter is applied while scanning, a bounded number of entries per
// call, so a rare match never makes one call read the whole log: the cursor carries on from
// where the scan stopped. Names (key, owner, account) are read for a page's entries only.
import type { Redis } from "@upstash/redis/cloudflare";
import { z } from "zod";
import { parseQuietly, parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import {
  DEFAULT_REQUEST_LOG_SETTINGS,
  matchesFilter,
  type RequestLogEntry,
  type RequestLogFilter,
  type RequestLogSettings,
  requestLogEntrySchema,
  requestLogSettingsSchema,
} from "./records/request-log.ts";

const DAY_MS = 86_400_000;
/** Entries read per ZRANGE while scanning. */
const CHUNK = 200;
/** Entries one call scans at most before it answers with what it found and a cursor. */
export const SCAN_MAX = 2_000;

/** Where a scan stopped: entries scored `before` and lower, after `skip` of those scored `before`. */
export interface LogCursor {
  before: number;
  skip: number;
}

export const encodeCursor = (c: LogCursor) => `${c.before}.${c.skip}`;
export const CURSOR_PATTERN = /^(\d{1,16})\.(\d{1,9})$/;
export function decodeCursor(text: string): LogCursor | null {
  const match = CURSOR_PATTERN.exec(text);
  return match ? { before: Number(match[1]), skip: Number(match[2]) } : null;
}

export interface LogPage {
  entries: RequestLogEntry[];
  /** Where to carry on; null when the scan reached the oldest entry in range. */
  nextCursor: string | null;
  /** Entries read to fill this page (matching or not). */
  scanned: number;
}

export interface LogQuery {
  filter: RequestLogFilter;
  /** Epoch ms, inclusive; the retention bounds them too. */
  from?: number;
  to?: number;
  cursor?: LogCursor | null;
  limit: number;
}

/** The names a page shows beside its ids. */
export interface LogNames {
  keys: Map<string, { name: string; ownerId?: string }>;
  users: Map<string, string>;
  accounts: Map<string, string>;
}

const keyNameSchema = z.object({ name: z.string(), ownerId: z.string().optional() });
const accountNameSchema = z.object({ name: z.string() });
const userNameSchema = z.object({ username: z.string() });

export class RequestLogStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** The admin's settings; the defaults when none are stored or they do not match their schema. */
  async settings(): Promise<RequestLogSettings> {
    return (
      parseRecord(
        requestLogSettingsSchema,
        await this.redis.get(keys.requestLogSettings()),
        "request log settings",
      ) ?? DEFAULT_REQUEST_LOG_SETTINGS
    );
  }

  /** Stores the settings and trims the log to them at once (the flush trims on every write after). */
  async putSettings(settings: RequestLogSettings, now = Date.now()): Promise<void> {
    const valid = requestLogSettingsSchema.parse(settings);
    const keepMs = valid.retentionDays * DAY_MS;
    const tx = this.redis.multi();
    tx.set(keys.requestLogSettings(), JSON.stringify(valid));
    tx.zremrangebyscore(keys.requestLog(), "-inf", `(${now - keepMs}`);
    tx.zremrangebyrank(keys.requestLog(), 0, -(valid.maxEntries + 1));
    tx.pexpire(keys.requestLog(), keepMs);
    await tx.exec();
  }

  /** A page of the whole log, newest first. */
  async page(query: LogQuery, now = Date.now()): Promise<LogPage> {
    return this.scan(keys.requestLog(), query, now);
  }

  /** A page of one account's failed requests, newest first. */
  async accountErrors(accountId: string, query: LogQuery, now = Date.now()): Promise<LogPage> {
    return this.scan(keys.accountErrors(accountId), query, now);
  }

  /** Names of the keys (with their owners) and accounts a page names: one MGET each, none if none. */
  async names(entries: readonly RequestLogEntry[]): Promise<LogNames> {
    const keyIds = [...new Set(entries.map((e) => e.keyId))];
    const accountIds = [...new Set(entries.flatMap((e) => (e.accountId ? [e.accountId] : [])))];
    const names: LogNames = { keys: new Map(), users: new Map(), accounts: new Map() };
    const [keyRaws, accountRaws] = await Promise.all([
      keyIds.length ? this.redis.mget<(string | null)[]>(...keyIds.map(keys.relayKey)) : [],
      accountIds.length ? this.redis.mget<(string | null)[]>(...accountIds.map(keys.account)) : [],
    ]);
    keyIds.forEach((id, i) => {
      const key = parseQuietly(keyNameSchema, keyRaws[i]);
      if (key) names.keys.set(id, key);
    });
    accountIds.forEach((id, i) => {
      const account = parseQuietly(accountNameSchema, accountRaws[i]);
      if (account) names.accounts.set(id, account.name);
    });
    const userIds = [...new Set([...names.keys.values()].flatMap((k) => (k.ownerId ? [k.ownerId] : [])))];
    if (userIds.length) {
      const userRaws = await this.redis.mget<(string | null)[]>(...userIds.map(keys.user));
      userIds.forEach((id, i) => {
        const user = parseQuietly(userNameSchema, userRaws[i]);
        if (user) names.users.set(id, user.username);
      });
    }
    return names;
  }

  private async scan(key: string, query: LogQuery, now: number): Promise<LogPage> {
    const settings = await this.settings();
    const min = Math.max(query.from ?? 0, now - settings.retentionDays * DAY_MS);
    const max = query.to ?? Number.MAX_SAFE_INTEGER;
    let pos: LogCursor = query.cursor && query.cursor.before <= max ? query.cursor : { before: max, skip: 0 };
    const entries: RequestLogEntry[] = [];
    let scanned = 0;
    while (scanned < SCAN_MAX && pos.before >= min) {
      const raw = await this.redis.zrange<string[]>(key, pos.before, min, {
        byScore: true,
        rev: true,
        withScores: true,
        offset: pos.skip,
        count: CHUNK,
      });
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const score = Number(raw[i + 1]);
        pos = score === pos.before ? { before: score, skip: pos.skip + 1 } : { before: score, skip: 1 };
        scanned += 1;
        const entry = parseRecord(requestLogEntrySchema, raw[i], "request log entry");
        if (entry && matchesFilter(entry, query.filter)) entries.push(entry);
        if (entries.length >= query.limit) return { entries, nextCursor: encodeCursor(pos), scanned };
      }
      if (raw.length < CHUNK * 2) return { entries, nextCursor: null, scanned };
    }
    return { entries, nextCursor: pos.before >= min ? encodeCursor(pos) : null, scanned };
  }
}
