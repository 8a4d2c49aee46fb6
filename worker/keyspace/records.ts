// Every stored record: one zod schema each, each with a version `v`, in one file per family
// (records/). Migrations (migrations/) move records between versions; readers accept only the
// current one. This file re-exports every family, for importers not yet moved to theirs.
export * from "./records/account-groups.ts";
export * from "./records/accounts.ts";
export * from "./records/admin.ts";
export * from "./records/common.ts";
export * from "./records/pricing.ts";
export * from "./records/relay-keys.ts";
export * from "./records/sessions.ts";
export * from "./records/settings.ts";
export * from "./records/usage.ts";
export * from "./records/users.ts";
export * from "./records/webhooks.ts";
