// The words of the Accounts page's scheduled tests and per-day usage. Kept apart from en.ts/zh.ts
// (shared by every page); every language has exactly the English keys.
import { lang } from "./index.ts";

const en = {
  "tests.column": "Last test",
  "tests.never": "Not tested yet",
  "tests.ok": "OK",
  "tests.failed": "Failed",
  "tests.every": "Every {interval}",
  "tests.off": "No scheduled test",
  "tests.button": "Tests",
  "tests.title": "Tests of {name}",
  "tests.interval": "Scheduled test",
  "tests.intervalHint":
    "The relay sends the account one tiny request this often; a failure parks it as a failed request would.",
  "tests.intervalOff": "Off",
  "tests.save": "Save",
  "tests.next": "Next test {time}",
  "tests.history": "Last {n} results, newest first",
  "tests.none": "No tests kept for this account.",
  "tests.time": "Time",
  "tests.result": "Result",
  "tests.latency": "Latency",
  "tests.source": "By",
  "tests.scheduled": "Schedule",
  "tests.manual": "Admin",
  "tests.message": "Model · message",
  "daily.button": "Daily usage",
  "daily.title": "Usage of {name} per day",
  "daily.zone": "Days in the relay's time zone (as it counts usage); the last 30 days.",
  "daily.day": "Day",
  "daily.requests": "Requests",
  "daily.tokens": "Tokens",
  "daily.cost": "Cost",
  "daily.total": "30 days",
  "daily.none": "No requests in the last 30 days.",
  "daily.chart": "Cost per day",
} as const;

export type AccountTestsKey = keyof typeof en;

const zh: Record<AccountTestsKey, string> = {
  "tests.column": "最近测试",
  "tests.never": "尚未测试",
  "tests.ok": "正常",
  "tests.failed": "失败",
  "tests.every": "每 {interval}",
  "tests.off": "未定时测试",
  "tests.button": "测试记录",
  "tests.title": "{name} 的测试",
  "tests.interval": "定时测试",
  "tests.intervalHint": "中转按此间隔向账户发送一个极小的请求；失败时像失败的请求一样暂停该账户。",
  "tests.intervalOff": "关闭",
  "tests.save": "保存",
  "tests.next": "下次测试 {time}",
  "tests.history": "最近 {n} 次结果，最新在前",
  "tests.none": "该账户没有保留的测试记录。",
  "tests.time": "时间",
  "tests.result": "结果",
  "tests.latency": "延迟",
  "tests.source": "来源",
  "tests.scheduled": "定时",
  "tests.manual": "管理员",
  "tests.message": "模型 · 信息",
  "daily.button": "每日用量",
  "daily.title": "{name} 的每日用量",
  "daily.zone": "按中转的时区计日（与用量统计一致）；最近 30 天。",
  "daily.day": "日期",
  "daily.requests": "请求数",
  "daily.tokens": "Token",
  "daily.cost": "费用",
  "daily.total": "30 天合计",
  "daily.none": "最近 30 天没有请求。",
  "daily.chart": "每日费用",
};

const DICTIONARIES = { en, zh };

/** Reactive, like t(): follows the language switch; `{name}` placeholders are replaced by vars. */
export function tt(key: AccountTestsKey, vars?: Record<string, string | number>): string {
  const text = DICTIONARIES[lang()][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** "15 min", "1 h", "24 h" / "15 分钟", "1 小时". */
export function intervalText(minutes: number): string {
  const zhLang = lang() === "zh";
  if (minutes % 60 === 0) return zhLang ? `${minutes / 60} 小时` : `${minutes / 60} h`;
  return zhLang ? `${minutes} 分钟` : `${minutes} min`;
}
