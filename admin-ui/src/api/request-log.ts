// The request log's admin API (worker/admin/request-log.ts): a page of the log, an account's
// error history and the log's retention.
import { call } from "./admin.ts";
import type { Schemas } from "./generated.ts";

export type LogEntry = Schemas["RequestLogEntry"];
export type LogPage = Schemas["RequestLogPage"];
export type LogSettings = Schemas["RequestLogSettings"];
export type LogSettingsChanges = Schemas["RequestLogSettingsChanges"];

const id = encodeURIComponent;

export const requestLogApi = {
  page: (query: Record<string, string | number | undefined>) =>
    call<LogPage>("GET", "/request-log", { query }),
  accountErrors: (accountId: string, query: { cursor?: string; limit?: number } = {}) =>
    call<LogPage>("GET", `/accounts/${id(accountId)}/errors`, { query }),
  settings: () => call<LogSettings>("GET", "/settings/request-log"),
  putSettings: (body: LogSettingsChanges) => call<LogSettings>("PUT", "/settings/request-log", { body }),
};
