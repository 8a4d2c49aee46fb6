// Shapes of the admin API's account groups, connection tests, recent errors, branding and usage
// breakdown (worker/admin/groups.ts, account-test.ts, recent-errors.ts, branding.ts,
// usage-breakdown.ts).
import type { Platform } from "./types.ts";

export interface AccountGroup {
  id: string;
  name: string;
  platform: Platform;
  description: string;
  memberIds: string[];
  boundKeys: { id: string; name: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface AccountGroupInput {
  name: string;
  platform: Platform;
  description?: string;
  memberIds?: string[];
}

export interface AccountTestResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  message?: string;
}

export interface RecentError {
  requestId: string;
  at: string;
  keyId: string;
  keyName: string | null;
  accountId?: string;
  accountName: string | null;
  platform: string;
  model: string;
  status: number;
  errorType: string;
  message: string;
}

export interface Branding {
  siteName: string;
  logoUrl: string;
  notice: string;
  updatedAt?: string;
}

export interface BreakdownPoint {
  requests: number;
  allTokens: number;
  cost: number;
}

export interface UsageBreakdown {
  periods: string[];
  series: { id: string; name: string | null; points: BreakdownPoint[] }[];
}

/** A key's binding that names a group (the original's spelling). */
export const GROUP_PREFIX = "group:";
