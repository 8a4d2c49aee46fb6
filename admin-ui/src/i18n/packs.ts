// Booster packs' and quota cards' words (key page, public stats page, portal). Kept apart from
// en.ts/zh.ts; every language has exactly the English keys.
import { lang } from "./index.ts";

const en = {
  "packs.title": "Booster packs",
  "packs.hint":
    "Extra cost allowance: drawn once a daily, weekly or total cost limit (or a platform / model cap) is spent.",
  "packs.left": "Left in packs",
  "packs.none": "No booster packs.",
  "packs.amount": "Amount (USD)",
  "packs.used": "Used",
  "packs.granted": "Granted",
  "packs.expires": "Expires",
  "packs.never": "never",
  "packs.note": "Note",
  "packs.source": "From",
  "packs.source.admin": "admin",
  "packs.source.card": "card",
  "packs.grant": "Grant a pack",
  "packs.expiresAt": "Expires (optional)",
  "packs.draws": "Latest draws",
  "packs.noDraws": "Nothing drawn yet.",
  "packs.request": "Request",
  "packs.drawn": "Drawn",
  "packs.at": "When",
  "cards.redeem": "Redeem a card",
  "cards.code": "Card code",
  "cards.redeemButton": "Redeem",
  "cards.redeemed": "Card redeemed.",
  "costs.title": "Real and rated cost",
  "costs.real": "Real cost",
  "costs.rated": "Rated cost (counted by the limits)",
  "costs.multiplier": "Key multiplier",
  "costs.today": "today {v}",
  "costs.total": "total {v}",
} as const;

export type PacksKey = keyof typeof en;

const zh: Record<PacksKey, string> = {
  "packs.title": "加油包",
  "packs.hint": "额外的费用额度：在每日、每周或总费用限额（或平台 / 模型上限）用完后才开始扣除。",
  "packs.left": "加油包剩余",
  "packs.none": "没有加油包。",
  "packs.amount": "金额（美元）",
  "packs.used": "已用",
  "packs.granted": "发放时间",
  "packs.expires": "到期",
  "packs.never": "永不",
  "packs.note": "备注",
  "packs.source": "来源",
  "packs.source.admin": "管理员",
  "packs.source.card": "额度卡",
  "packs.grant": "发放加油包",
  "packs.expiresAt": "到期时间（可选）",
  "packs.draws": "最近扣除",
  "packs.noDraws": "尚未扣除。",
  "packs.request": "请求",
  "packs.drawn": "扣除",
  "packs.at": "时间",
  "cards.redeem": "兑换额度卡",
  "cards.code": "卡号",
  "cards.redeemButton": "兑换",
  "cards.redeemed": "兑换成功。",
  "costs.title": "实际费用与计费费用",
  "costs.real": "实际费用",
  "costs.rated": "计费费用（计入限额）",
  "costs.multiplier": "密钥倍率",
  "costs.today": "今日 {v}",
  "costs.total": "累计 {v}",
};

export const PACKS_DICTIONARIES = { en, zh };

/** Reactive, like t(): follows the language switch; `{name}` placeholders are replaced by vars. */
export function pt(key: PacksKey, vars?: Record<string, string | number>): string {
  const text = PACKS_DICTIONARIES[lang()][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
