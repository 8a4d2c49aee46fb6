// One page of the relay keys: search, filter and sort on the server, so the Keys page stays quick
// with thousands of keys. Pure: the route reads the records and their activity, this orders them.
import { z } from "@hono/zod-openapi";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { KeyActivity } from "../keyspace/relay-key-store.ts";
import { expiresAt } from "../relay/expiry.ts";

export const KEY_SORTS = ["createdAt", "name", "status", "lastUsed", "costToday", "costTotal"] as const;
export type KeySort = (typeof KEY_SORTS)[number];
export const KEY_STATUSES = ["active", "disabled", "expired", "deleted"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** Sorts that need each key's usage read before the page can be cut. */
export const ACTIVITY_SORTS: ReadonlySet<KeySort> = new Set(["lastUsed", "costToday", "costTotal"]);

export const keyListQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).optional().openapi({
    description:
      "1-based page; with `pageSize`, asks for the paged answer (without both, every key as before)",
  }),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: "Keys per page (default 50)" }),
  q: z.string().max(200).optional().openapi({
    description: "Search: part of the name, the start of the id, a tag or the owner's id (case-blind)",
  }),
  tag: z.string().max(50).optional().openapi({ description: "Only keys with this tag" }),
  owner: z.string().max(200).optional().openapi({ description: "Only keys of this owner (user id)" }),
  status: z
    .enum(["all", ...KEY_STATUSES])
    .optional()
    .openapi({ description: "`all` (default) lists every key not deleted; `deleted` only the deleted ones" }),
  sort: z.enum(KEY_SORTS).optional().openapi({ description: "Default createdAt" }),
  order: z.enum(["asc", "desc"]).optional().openapi({ description: "Default desc" }),
});
export type KeyListQuery = z.infer<typeof keyListQuery>;

export function isPaged(query: KeyListQuery): boolean {
  return query.page !== undefined || query.pageSize !== undefined;
}

export function statusOf(record: RelayKeyRecord, now: number): KeyStatus {
  if (record.deletedAt) return "deleted";
  if (!record.isActive || record.ownerDisabled) return "disabled";
  const expiry = expiresAt(record);
  return expiry !== null && expiry <= now ? "expired" : "active";
}

export function matchesSearch(record: RelayKeyRecord, query: KeyListQuery, now: number): boolean {
  if (query.tag && !record.tags.includes(query.tag)) return false;
  if (query.owner && record.ownerId !== query.owner) return false;
  const status = query.status ?? "all";
  const own = statusOf(record, now);
  if (status === "all" ? own === "deleted" : own !== status) return false;
  const q = query.q?.trim().toLowerCase();
  if (!q) return true;
  return (
    record.name.toLowerCase().includes(q) ||
    record.id.toLowerCase().startsWith(q) ||
    record.tags.some((t) => t.toLowerCase() === q) ||
    (record.ownerId?.toLowerCase() ?? "") === q
  );
}

const STATUS_ORDER: Record<KeyStatus, number> = { active: 0, expired: 1, disabled: 2, deleted: 3 };

export function compareKeys(
  sort: KeySort,
  activity: ReadonlyMap<string, KeyActivity>,
  now: number,
): (a: RelayKeyRecord, b: RelayKeyRecord) => number {
  const act = (r: RelayKeyRecord) => activity.get(r.id);
  const by: Record<KeySort, (a: RelayKeyRecord, b: RelayKeyRecord) => number> = {
    createdAt: (a, b) => a.createdAt.localeCompare(b.createdAt),
    name: (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: "base" }),
    status: (a, b) => STATUS_ORDER[statusOf(a, now)] - STATUS_ORDER[statusOf(b, now)],
    lastUsed: (a, b) => (act(a)?.lastUsedAt ?? "").localeCompare(act(b)?.lastUsedAt ?? ""),
    costToday: (a, b) => (act(a)?.costTodayMicroUsd ?? 0) - (act(b)?.costTodayMicroUsd ?? 0),
    costTotal: (a, b) => (act(a)?.costTotalMicroUsd ?? 0) - (act(b)?.costTotalMicroUsd ?? 0),
  };
  // Ties fall back to creation then id, so pages never overlap or skip a key.
  return (a, b) => by[sort](a, b) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** Every tag in use and how many keys carry it, most used first. */
export function tagCounts(records: readonly RelayKeyRecord[]): Array<{ tag: string; keys: number }> {
  const counts = new Map<string, number>();
  for (const record of records) for (const tag of record.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .map(([tag, keys]) => ({ tag, keys }))
    .sort((a, b) => b.keys - a.keys || a.tag.localeCompare(b.tag));
}
