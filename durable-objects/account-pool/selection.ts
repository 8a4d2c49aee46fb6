// Which account serves a request, in the original's order: the key's bound account, then the
// conversation's sticky account, then the pool by priority and least recently used. A key bound
// to a group sees only the group's members: sticky, pool and failover all stay inside it.
// Dedicated (non-shared) accounts serve only keys bound to them or to one of their groups.
import { groupIdOfBinding } from "../../worker/keyspace/records/account-groups.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { matchesModel } from "../../worker/providers/model-patterns.ts";
import { type AccountHealth, currentHealth, healthy } from "./health.ts";

export interface Candidate {
  record: AccountRecord;
  health: AccountHealth;
  activeLeases: number;
}

export interface AcquireRequest {
  model: string;
  sessionHash?: string;
  boundAccountId?: string;
  exclude: string[];
  /** The model family of the request's model (opus, sonnet, haiku…), for parks of one family only. */
  family?: string;
  /**
   * Whether the request comes from the client subscription accounts are for (Claude Code):
   * Provider.subscriptionClient. Other clients are not scheduled on them unless the account allows.
   */
  subscriptionClient?: boolean;
}

export type Unusable = "inactive" | "unschedulable" | "parked" | "busy" | "model" | "excluded";

export function servesModel(record: AccountRecord, model: string): boolean {
  return record.models.length === 0 || matchesModel(record.models, model);
}

export function whyUnusable(c: Candidate, request: AcquireRequest, now: number): Unusable | null {
  if (!c.record.isActive) return "inactive";
  if (!c.record.schedulable) return "unschedulable";
  if (request.exclude.includes(c.record.id)) return "excluded";
  if (currentHealth(c.health, now).status !== "active") return "parked";
  if (c.record.concurrencyLimit > 0 && c.activeLeases >= c.record.concurrencyLimit) return "busy";
  if (!servesModel(c.record, request.model)) return "model";
  return null;
}

export function byPriorityThenLeastRecent(a: Candidate, b: Candidate): number {
  return (
    a.record.priority - b.record.priority ||
    a.health.lastUsedAt - b.health.lastUsedAt ||
    a.record.createdAt.localeCompare(b.record.createdAt)
  );
}

/**
 * In the shared pool. A record kept by an older version (the pool's stored copy) has no field:
 * every account was shared then.
 */
export function isShared(record: AccountRecord): boolean {
  return record.shared !== false;
}

/**
 * The accounts a request may use: a group binding narrows the pool to the group's members,
 * shared or dedicated (none when the group is unknown, as the original refuses a missing group).
 * Any other key sees the shared accounts, plus the one account it is bound to. `groups` maps a
 * group id to its member ids.
 */
export function eligible(
  candidates: Candidate[],
  request: AcquireRequest,
  groups: ReadonlyMap<string, ReadonlySet<string>>,
): { candidates: Candidate[]; groupId: string | null } {
  const groupId = groupIdOfBinding(request.boundAccountId);
  if (groupId === null) {
    const open = candidates.filter((c) => isShared(c.record) || c.record.id === request.boundAccountId);
    return { candidates: open, groupId };
  }
  const members = groups.get(groupId);
  return { candidates: members ? candidates.filter((c) => members.has(c.record.id)) : [], groupId };
}

export type Choice =
  | { candidate: Candidate; via: "bound" | "sticky" | "pool" }
  | { candidate: null; backAt?: number };

export function choose(
  candidates: Candidate[],
  request: AcquireRequest,
  stickyAccountId: string | undefined,
  now: number,
): Choice {
  const byId = new Map(candidates.map((c) => [c.record.id, c]));
  const usable = (id: string | undefined) => {
    const c = id ? byId.get(id) : undefined;
    return c && whyUnusable(c, request, now) === null ? c : undefined;
  };
  const bound =
    groupIdOfBinding(request.boundAccountId) === null ? usable(request.boundAccountId) : undefined;
  if (bound) return { candidate: bound, via: "bound" };
  const sticky = usable(stickyAccountId);
  if (sticky) return { candidate: sticky, via: "sticky" };
  const pool = candidates
    .filter((c) => whyUnusable(c, request, now) === null)
    .sort(byPriorityThenLeastRecent);
  if (pool[0]) return { candidate: pool[0], via: "pool" };
  return { candidate: null, backAt: comesBackAt(candidates, request, now) };
}

/**
 * Nobody can serve: when the first account that would serve is schedulable again. A parked one
 * at the end of its park; one this request has already tried (and that is not parked) at once,
 * for the client's next request may use it. Undefined when none will by itself (busy ones).
 */
function comesBackAt(candidates: Candidate[], request: AcquireRequest, now: number): number | undefined {
  const times: number[] = [];
  for (const c of candidates) {
    const why = whyUnusable(c, { ...request, exclude: [] }, now);
    if (why === "parked" && servesModel(c.record, request.model)) times.push(c.health.until);
    else if (why === null && request.exclude.includes(c.record.id)) times.push(now);
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

export { healthy };
