// Which account serves a request, in the original's order: the key's bound account, then the
// conversation's sticky account, then the pool by priority and least recently used. A key bound
// to a group sees only the group's members: sticky, pool and failover all stay inside it.
// Dedicated (non-shared) accounts serve only keys bound to them or to one of their groups.
import { groupIdOfBinding } from "../../worker/keyspace/records/account-groups.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { matchesModel } from "../../worker/providers/model-patterns.ts";
import { type AccountHealth, currentHealth, familyParkedUntil, healthy } from "./health.ts";
import type { Stop } from "./stops.ts";

export interface Candidate {
  record: AccountRecord;
  health: AccountHealth;
  activeLeases: number;
  /** Its own options keep it out now (stops.ts); absent or null: they do not. */
  stop?: Stop | null;
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

export type Unusable =
  | "inactive"
  | "unschedulable"
  | "parked"
  | "stopped"
  | "busy"
  | "model"
  | "excluded"
  /** A subscription account and a client it is not for (see AcquireRequest.subscriptionClient). */
  | "client";

/** Subscription accounts: meant for Claude Code; Anthropic refuses or bills other clients on them. */
export function servesClient(record: AccountRecord, request: AcquireRequest): boolean {
  return record.type !== "claude-oauth" || record.allowOtherClients || request.subscriptionClient !== false;
}

export function servesModel(record: AccountRecord, model: string): boolean {
  return record.models.length === 0 || matchesModel(record.models, model);
}

export function whyUnusable(c: Candidate, request: AcquireRequest, now: number): Unusable | null {
  if (!c.record.isActive) return "inactive";
  if (!c.record.schedulable) return "unschedulable";
  if (request.exclude.includes(c.record.id)) return "excluded";
  if (!servesClient(c.record, request)) return "client";
  if (currentHealth(c.health, now).status !== "active") return "parked";
  if (familyParkedUntil(c.health, request.family, now) > 0) return "parked";
  if (c.stop) return "stopped";
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
  /** `clientOnly`: every account that serves the model is a subscription this client may not use. */
  | { candidate: null; backAt?: number; clientOnly?: true };

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
  const servingModel = candidates.filter((c) => servesModel(c.record, request.model));
  if (servingModel.length > 0 && servingModel.every((c) => !servesClient(c.record, request)))
    return { candidate: null, clientOnly: true };
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
    if (why === "parked" && servesModel(c.record, request.model))
      times.push(
        Math.max(currentHealth(c.health, now).until, familyParkedUntil(c.health, request.family, now)),
      );
    else if (why === "stopped" && c.stop?.until && servesModel(c.record, request.model))
      times.push(c.stop.until);
    else if (why === null && request.exclude.includes(c.record.id)) times.push(now);
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

export { healthy };
