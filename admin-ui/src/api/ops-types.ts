// The admin API's account groups, connection tests, recent errors, branding and usage breakdown
// (worker/admin/groups.ts, account-test.ts, recent-errors.ts, branding.ts, usage-breakdown.ts):
// aliases of the generated types, like types.ts.
import type { Schemas } from "./generated.ts";

export type AccountGroup = Schemas["AccountGroup"];
export type AccountGroupInput = Schemas["NewAccountGroup"];
export type AccountGroupChanges = Schemas["AccountGroupChanges"];
export type AccountTestResult = Schemas["AccountTestResult"];
export type RecentError = Schemas["RecentError"];
export type Branding = Schemas["Branding"];
export type BrandingChanges = Schemas["BrandingChanges"];
export type UsageBreakdown = Schemas["UsageBreakdown"];
export type BreakdownPoint = UsageBreakdown["series"][number]["points"][number];

/** A key's binding that names a group (the original's spelling). */
export const GROUP_PREFIX = "group:";
