// Billing events' admin API (worker/admin/billing.ts): the HTTP sink's settings, a test send and
// the delivery status.
import { call } from "./admin.ts";
import type { Schemas } from "./generated.ts";

export type BillingSettings = Schemas["BillingSettings"];
export type BillingSettingsInput = Schemas["BillingSettingsInput"];
export type BillingStatus = Schemas["BillingStatus"];
export type BillingTestResult = Schemas["BillingTestResult"];

export const billingApi = {
  settings: () => call<BillingSettings>("GET", "/settings/billing"),
  putSettings: (body: BillingSettingsInput) => call<BillingSettings>("PUT", "/settings/billing", { body }),
  test: () => call<BillingTestResult>("POST", "/billing/test"),
  status: () => call<BillingStatus>("GET", "/billing/status"),
};
