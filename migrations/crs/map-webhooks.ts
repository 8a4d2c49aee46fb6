// The original's webhook settings (`webhook_config:default`, a JSON string, CRS-REFERENCE §12, its
// webhookConfigService/webhookService) → our WebhookConfig targets.
//
//   platforms[].type  wechat_work → wecom; dingtalk, feishu (secret only when enableSign), slack,
//                     discord, custom → the same; telegram (botToken, chatId, apiUrl → url);
//                     bark (deviceKey, serverUrl without its /push → url, sound, group);
//                     smtp → not mapped (we send no mail)
//   notificationTypes accountAnomaly → account.*; rateLimitRecovery → account.recovered;
//                     quotaWarning → key.*; test always (the original always sends it)
//   retrySettings     maxRetries counts every attempt there, the retries after the first here
//
// A setting the original's config does not carry keeps the value here: the switch and retry
// settings of our config, and each field of a target already here with the platform's id and
// type (its name, switch, timeout, events, optional URL, sound, group, signing secret). Only
// what is new here takes the original's default.
import {
  WEBHOOK_EVENTS,
  type WebhookConfig,
  type WebhookEventType,
  type WebhookTarget,
  webhookTargetSchema,
} from "../../worker/keyspace/records/webhooks.ts";
import { describeIssue } from "./fields.ts";
import { text } from "./plan.ts";
import type { Skipped } from "./report.ts";

const EVENTS_OF: Record<string, readonly WebhookEventType[]> = {
  accountAnomaly: ["account.unauthorized", "account.rate_limited", "account.overloaded", "account.error"],
  rateLimitRecovery: ["account.recovered"],
  quotaWarning: ["key.quota_reached", "key.expiring"],
};
const NO_EVENT_HERE: Record<string, string> = {
  systemError: "notificationTypes.systemError (no such event here)",
  securityAlert: "notificationTypes.securityAlert (no such event here)",
};

/** Per-platform fields each mapping reads; anything else set on a platform is reported. */
const COMMON = ["id", "type", "name", "enabled", "timeout", "createdAt", "updatedAt"];
const READS: Record<string, readonly string[]> = {
  wechat_work: ["url"],
  dingtalk: ["url", "secret", "enableSign"],
  feishu: ["url", "secret", "enableSign"],
  slack: ["url"],
  discord: ["url"],
  custom: ["url"],
  telegram: ["botToken", "chatId", "apiUrl"],
  bark: ["deviceKey", "serverUrl", "sound", "group"],
};
/** Our optional target fields and the platform fields they come from: all absent, ours stays. */
const FROM: Record<string, readonly [string, readonly string[]][]> = {
  dingtalk: [["secret", ["enableSign", "secret"]]],
  feishu: [["secret", ["enableSign", "secret"]]],
  telegram: [["url", ["apiUrl"]]],
  bark: [
    ["url", ["serverUrl"]],
    ["sound", ["sound"]],
    ["group", ["group"]],
  ],
};
const COMMON_FROM: readonly [string, readonly string[]][] = [
  ["name", ["name"]],
  ["enabled", ["enabled"]],
  ["timeoutMs", ["timeout"]],
];
const TYPE_HERE: Record<string, string> = { wechat_work: "wecom" };

const LABELS: Record<string, string> = {
  parseMode: "Telegram parse mode: plain text is sent here",
  level: "Bark level: set from each event's severity here",
  icon: "Bark icon",
  clickUrl: "Bark click URL",
  disableWebPagePreview: "Telegram option",
  disableNotification: "Telegram option",
  replyToMessageId: "Telegram option",
};

export interface MappedWebhooks {
  /** Everything of our config the original's settings decide (keyExpiryWarningDays is ours alone). */
  config: Pick<WebhookConfig, "enabled" | "targets" | "maxRetries" | "retryDelayMs">;
  /** Platforms in the original's config. */
  found: number;
  skipped: Skipped[];
  notMapped: string[];
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

function numberOr(value: unknown, fallback: number): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

function eventsOf(types: unknown, notMapped: string[]): WebhookEventType[] {
  // No notificationTypes at all: the original sends every type.
  if (!types || typeof types !== "object") return [];
  const on = types as Record<string, unknown>;
  const events = new Set<WebhookEventType>(["test"]);
  for (const [type, list] of Object.entries(EVENTS_OF)) if (on[type]) for (const e of list) events.add(e);
  for (const [type, label] of Object.entries(NO_EVENT_HERE)) if (on[type]) notMapped.push(label);
  return events.size === WEBHOOK_EVENTS.length ? [] : WEBHOOK_EVENTS.filter((e) => events.has(e));
}

function targetOf(
  p: Record<string, unknown>,
  index: number,
  shared: { events: WebhookEventType[]; timeoutMs: number },
): Record<string, unknown> | string {
  const type = text(p, "type");
  const base = {
    id: (text(p, "id") || `crs-${index + 1}`).slice(0, 100),
    name: text(p, "name").slice(0, 200),
    enabled: p.enabled !== false && p.enabled !== "false",
    events: shared.events,
    timeoutMs: clamp(Math.round(numberOr(p.timeout, shared.timeoutMs)), 100, 60_000),
  };
  const signed = p.enableSign === true || p.enableSign === "true";
  const secret = signed && text(p, "secret") ? { secret: text(p, "secret") } : {};
  switch (type) {
    case "wechat_work":
      return { ...base, type: "wecom", url: text(p, "url") };
    case "dingtalk":
    case "feishu":
      return { ...base, type, url: text(p, "url"), ...secret };
    case "slack":
    case "discord":
    case "custom":
      return { ...base, type, url: text(p, "url") };
    case "telegram":
      return {
        ...base,
        type,
        botToken: text(p, "botToken"),
        chatId: text(p, "chatId"),
        ...(text(p, "apiUrl") ? { url: text(p, "apiUrl").replace(/\/+$/, "") } : {}),
      };
    case "bark": {
      const server = text(p, "serverUrl")
        .replace(/\/+$/, "")
        .replace(/\/push$/, "");
      return {
        ...base,
        type,
        deviceKey: text(p, "deviceKey"),
        ...(server ? { url: server } : {}),
        ...(text(p, "sound") ? { sound: text(p, "sound").slice(0, 100) } : {}),
        ...(text(p, "group") ? { group: text(p, "group").slice(0, 100) } : {}),
      };
    }
    case "smtp":
      return "smtp (e-mail): not mapped, this relay sends no mail";
    default:
      return `platform type ${JSON.stringify(type)} is unknown`;
  }
}

/** A target as the platform maps, with what the platform does not carry taken from the one here. */
function keepMissing(
  mapped: Record<string, unknown>,
  p: Record<string, unknown>,
  here: WebhookTarget,
  eventsCarried: boolean,
): Record<string, unknown> {
  const out = { ...mapped };
  const ours = here as Record<string, unknown>;
  for (const [field, from] of [...COMMON_FROM, ...(FROM[text(p, "type")] ?? [])]) {
    if (from.some((f) => p[f] !== undefined)) continue;
    if (ours[field] === undefined) delete out[field];
    else out[field] = ours[field];
  }
  if (!eventsCarried) out.events = here.events;
  return out;
}

/** `here`: our webhook config, when there is one; what the original's config lacks keeps its value. */
export function mapWebhooks(raw: Record<string, unknown>, here: WebhookConfig | null = null): MappedWebhooks {
  const notMapped: string[] = [];
  const skipped: Skipped[] = [];
  const retry = (raw.retrySettings ?? {}) as Record<string, unknown>;
  const shared = {
    events: eventsOf(raw.notificationTypes, notMapped),
    timeoutMs: numberOr(retry.timeout, 10_000),
  };
  const eventsCarried = raw.notificationTypes !== undefined;
  const platforms = Array.isArray(raw.platforms) ? raw.platforms : [];
  const targets: WebhookTarget[] = [];
  for (const [index, item] of platforms.entries()) {
    const p = item && typeof item === "object" ? (item as Record<string, unknown>) : {};
    const label = `${text(p, "type") || "?"} ${text(p, "name") || text(p, "id") || `#${index + 1}`}`;
    const mapped = targetOf(p, index, shared);
    if (typeof mapped === "string") {
      skipped.push({ id: label, reason: mapped });
      continue;
    }
    const targetHere = here?.targets.find(
      (t) => t.id === mapped.id && t.type === (TYPE_HERE[text(p, "type")] ?? text(p, "type")),
    );
    const checked = webhookTargetSchema.safeParse(
      targetHere ? keepMissing(mapped, p, targetHere, eventsCarried) : mapped,
    );
    if (!checked.success) {
      skipped.push({ id: label, reason: `corrupt: ${describeIssue(checked.error.issues)}` });
      continue;
    }
    if (targets.some((t) => t.id === checked.data.id)) {
      skipped.push({ id: label, reason: `a second platform with id ${checked.data.id}` });
      continue;
    }
    targets.push(checked.data);
    const reads = new Set([...COMMON, ...(READS[text(p, "type")] ?? [])]);
    for (const [field, value] of Object.entries(p)) {
      if (reads.has(field) || value === "" || value === null || value === false) continue;
      notMapped.push(LABELS[field] ? `${field} (${LABELS[field]})` : field);
    }
    if (text(p, "secret") && !("secret" in checked.data))
      notMapped.push("secret (signing was off: not carried over)");
  }
  const kept = <T>(carried: unknown, ours: T | undefined, theirs: () => T): T =>
    carried === undefined && ours !== undefined ? ours : theirs();
  return {
    config: {
      enabled: kept(raw.enabled, here?.enabled, () => raw.enabled === true || raw.enabled === "true"),
      targets,
      maxRetries: kept(retry.maxRetries, here?.maxRetries, () =>
        clamp(Math.round(numberOr(retry.maxRetries, 3)) - 1, 0, 10),
      ),
      retryDelayMs: kept(retry.retryDelay, here?.retryDelayMs, () =>
        clamp(Math.round(numberOr(retry.retryDelay, 1_000)), 100, 3_600_000),
      ),
    },
    found: platforms.length,
    skipped,
    notMapped,
  };
}
