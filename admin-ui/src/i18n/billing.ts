// Billing events' words (Settings → Billing events). Kept apart from en.ts/zh.ts so they load with
// the Settings page; every language has exactly the English keys.
import { lang } from "./index.ts";

const en = {
  "billing.title": "Billing events",
  "billing.hint":
    "Every settled request becomes one event (key, owner, account, model, tokens, cost), delivered at least once; the request id is the dedupe key. A Cloudflare Queue bound as BILLING_QUEUE takes them instead of this URL.",
  "billing.enabled": "Send billing events to this URL",
  "billing.url": "Sink URL",
  "billing.urlHint": "Batches are POSTed here as JSON, signed with the secret (x-edge-relay-signature).",
  "billing.secret": "Signing secret",
  "billing.secretSet": "A secret is set; leave empty to keep it.",
  "billing.secretNone": "No secret: batches are not signed.",
  "billing.batchSize": "Events per POST",
  "billing.test": "Send a test batch",
  "billing.testOk": "The sink answered {status}.",
  "billing.testFailed": "The sink failed: {error}",
  "billing.sink": "Events go to",
  "billing.sink.queue": "the bound Queue",
  "billing.sink.http": "this URL",
  "billing.sink.off": "nowhere (no events are made)",
  "billing.pending": "Waiting",
  "billing.delivered": "Delivered",
  "billing.lastDelivered": "Last delivered",
  "billing.attempts": "Last attempts",
  "billing.events": "{n} events",
  "billing.none": "No attempts yet.",
} as const;

export type BillingKey = keyof typeof en;

const zh: Record<BillingKey, string> = {
  "billing.title": "计费事件",
  "billing.hint":
    "每个已结算的请求生成一个事件（密钥、所有者、账户、模型、Token、费用），至少送达一次；请求 ID 用于去重。若绑定了 Cloudflare Queue（BILLING_QUEUE），事件改发到该队列。",
  "billing.enabled": "将计费事件发送到此 URL",
  "billing.url": "接收 URL",
  "billing.urlHint": "事件按批以 JSON POST 到此处，并用密钥签名（x-edge-relay-signature）。",
  "billing.secret": "签名密钥",
  "billing.secretSet": "已设置密钥；留空则保持不变。",
  "billing.secretNone": "未设置密钥：批次不签名。",
  "billing.batchSize": "每次 POST 的事件数",
  "billing.test": "发送测试批次",
  "billing.testOk": "接收端返回 {status}。",
  "billing.testFailed": "接收端失败：{error}",
  "billing.sink": "事件发往",
  "billing.sink.queue": "已绑定的队列",
  "billing.sink.http": "此 URL",
  "billing.sink.off": "无（不生成事件）",
  "billing.pending": "待发送",
  "billing.delivered": "已送达",
  "billing.lastDelivered": "最近送达",
  "billing.attempts": "最近的尝试",
  "billing.events": "{n} 个事件",
  "billing.none": "尚无发送记录。",
};

export const BILLING_DICTIONARIES = { en, zh };

/** Reactive, like t(): follows the language switch; `{name}` placeholders are replaced by vars. */
export function bt(key: BillingKey, vars?: Record<string, string | number>): string {
  const text = BILLING_DICTIONARIES[lang()][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
