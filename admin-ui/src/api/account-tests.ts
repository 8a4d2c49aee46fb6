// Scheduled account tests in the admin API (worker/admin/account-test-schedule.ts): every
// account's last result and next test, one account's history, its interval.
import { call } from "./admin.ts";
import type { Schemas } from "./generated.ts";

export type AccountTestRun = Schemas["AccountTestRun"];
export type AccountTestHistory = Schemas["AccountTestHistory"];
export type AccountTestsOverview = Schemas["AccountTestsOverview"];
export type AccountTestEntry = AccountTestsOverview["accounts"][number];

const id = encodeURIComponent;

export const accountTestsApi = {
  overview: async () => (await call<AccountTestsOverview>("GET", "/account-tests")).accounts,
  history: (accountId: string) => call<AccountTestHistory>("GET", `/accounts/${id(accountId)}/tests`),
  /** 0 turns scheduled tests off. */
  schedule: (accountId: string, intervalMinutes: number) =>
    call<AccountTestHistory>("PUT", `/accounts/${id(accountId)}/test-schedule`, {
      body: { intervalMinutes },
    }),
};
