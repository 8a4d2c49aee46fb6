// The request log's words (its page, an account's error history, its settings). Kept apart from
// en.ts/zh.ts so they load with those pages, not with the admin's first page (the nav's label is
// in en.ts/zh.ts); every language has exactly the English keys.
import { lang } from "./index.ts";

const en = {
  "log.timeZone": "Times in {zone}",
  "log.allKeys": "All keys",
  "log.allAccounts": "All accounts",
  "log.modelPlaceholder": "Model contains…",
  "log.allStatuses": "All statuses",
  "log.errorsOnly": "Errors only",
  "log.from": "From",
  "log.to": "To",
  "log.clear": "Clear filters",
  "log.time": "Time",
  "log.key": "Key",
  "log.user": "User",
  "log.account": "Account",
  "log.model": "Model",
  "log.tokens": "Tokens",
  "log.duration": "Duration",
  "log.error": "Error",
  "log.refused": "Refused by the relay",
  "log.none": "No requests match.",
  "log.older": "Older requests",
  "log.scanned": "Searched {n} requests; more may match further back.",
  "log.end": "That is every request kept ({days} days, at most {max}).",
  "log.tokensTitle": "In {input} · out {output} · cache write {cacheWrite} · cache read {cacheRead}",
  "log.accountErrors": "Errors",
  "log.accountErrorsTitle": "Errors of {name}",
  "log.accountErrorsNone": "No failed requests kept for this account.",
  "log.seeAll": "All requests of this account",
  "log.settingsTitle": "Request log",
  "log.settingsHint":
    "The usage flush keeps each finished request's key, account, model, status, tokens, cost, duration and error — never its body.",
  "log.retentionDays": "Keep for (days)",
  "log.retentionHint": "1 to 30 days; older requests are dropped.",
  "log.maxEntries": "Keep at most (requests)",
  "log.maxEntriesHint": "100 to 200,000; the oldest go first.",
} as const;

export type LogKey = keyof typeof en;

const zh: Record<LogKey, string> = {
  "log.timeZone": "时间按 {zone} 显示",
  "log.allKeys": "全部密钥",
  "log.allAccounts": "全部账户",
  "log.modelPlaceholder": "模型包含…",
  "log.allStatuses": "全部状态",
  "log.errorsOnly": "仅错误",
  "log.from": "起",
  "log.to": "止",
  "log.clear": "清除筛选",
  "log.time": "时间",
  "log.key": "密钥",
  "log.user": "用户",
  "log.account": "账户",
  "log.model": "模型",
  "log.tokens": "Token",
  "log.duration": "耗时",
  "log.error": "错误",
  "log.refused": "被中转拒绝",
  "log.none": "没有符合条件的请求。",
  "log.older": "更早的请求",
  "log.scanned": "已查找 {n} 条请求；更早的记录中可能还有符合条件的。",
  "log.end": "以上是保留的全部请求（{days} 天，最多 {max} 条）。",
  "log.tokensTitle": "输入 {input} · 输出 {output} · 缓存写入 {cacheWrite} · 缓存读取 {cacheRead}",
  "log.accountErrors": "错误",
  "log.accountErrorsTitle": "{name} 的错误",
  "log.accountErrorsNone": "该账户没有保留的失败请求。",
  "log.seeAll": "该账户的全部请求",
  "log.settingsTitle": "请求日志",
  "log.settingsHint":
    "用量写入时保留每个已完成请求的密钥、账户、模型、状态、Token、费用、耗时和错误——从不保存请求内容。",
  "log.retentionDays": "保留天数",
  "log.retentionHint": "1 到 30 天；更早的请求会被删除。",
  "log.maxEntries": "最多保留（条）",
  "log.maxEntriesHint": "100 到 200,000；最早的先删除。",
};

export const LOG_DICTIONARIES = { en, zh };

/** Reactive, like t(): follows the language switch; `{name}` placeholders are replaced by vars. */
export function lt(key: LogKey, vars?: Record<string, string | number>): string {
  const text = LOG_DICTIONARIES[lang()][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
