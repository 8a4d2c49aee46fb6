// What the relay tells operators about: one event type per thing that happened, with the data a
// target needs, and one plain-text rendering (title + lines) every chat target shares.
import type { WebhookEventType } from "../keyspace/records/webhooks.ts";

export type EventValue = string | number | boolean | null;

export interface RelayEvent {
  /** Unique per event: the custom target's `x-edge-relay-event-id`, and the delivery log's key. */
  id: string;
  type: WebhookEventType;
  /** Epoch ms. */
  at: number;
  data: Record<string, EventValue>;
}

export type Severity = "info" | "warning" | "error";

const TITLES: Record<WebhookEventType, string> = {
  "account.unauthorized": "Account unauthorized",
  "account.rate_limited": "Account rate-limited",
  "account.overloaded": "Account overloaded",
  "account.error": "Account failing (repeated upstream errors)",
  "account.blocked": "Account blocked by its upstream",
  "account.window_threshold": "Account stopped: usage window above its threshold",
  "account.balance_low": "Account balance low",
  "account.recovered": "Account recovered",
  "key.quota_reached": "Key quota reached",
  "key.expiring": "Key expiring soon",
  test: "Test notification",
};

const SEVERITY: Record<WebhookEventType, Severity> = {
  "account.unauthorized": "error",
  "account.rate_limited": "warning",
  "account.overloaded": "warning",
  "account.error": "error",
  "account.blocked": "error",
  "account.window_threshold": "warning",
  "account.balance_low": "warning",
  "account.recovered": "info",
  "key.quota_reached": "warning",
  "key.expiring": "warning",
  test: "info",
};

/** Labels for the data fields a chat message shows, in this order; other fields follow. */
const LABELS: [string, string][] = [
  ["accountName", "Account"],
  ["accountId", "Account id"],
  ["platform", "Platform"],
  ["status", "Status"],
  ["until", "Until"],
  ["reason", "Reason"],
  ["keyName", "Key"],
  ["keyId", "Key id"],
  ["ownerId", "Owner"],
  ["code", "Limit"],
  ["message", "Detail"],
  ["resetAt", "Resets at"],
  ["expiresAt", "Expires at"],
  ["daysLeft", "Days left"],
];

export function newEvent(
  type: WebhookEventType,
  data: Record<string, EventValue | undefined>,
  at = Date.now(),
) {
  const clean: Record<string, EventValue> = {};
  for (const [field, value] of Object.entries(data)) if (value !== undefined) clean[field] = value;
  return { id: `evt_${crypto.randomUUID().replaceAll("-", "")}`, type, at, data: clean } satisfies RelayEvent;
}

export function severityOf(event: RelayEvent): Severity {
  return SEVERITY[event.type];
}

export interface Rendered {
  title: string;
  /** `Label: value` lines, without markup. */
  lines: string[];
  severity: Severity;
}

/** The event as a chat message: a title and one line per data field. */
export function render(event: RelayEvent): Rendered {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const [field, label] of LABELS) {
    const value = event.data[field];
    seen.add(field);
    if (value !== undefined && value !== null && value !== "") lines.push(`${label}: ${String(value)}`);
  }
  for (const [field, value] of Object.entries(event.data)) {
    if (!seen.has(field) && value !== null && value !== "") lines.push(`${field}: ${String(value)}`);
  }
  lines.push(`Time: ${new Date(event.at).toISOString()}`);
  return { title: `[edge-relay] ${TITLES[event.type]}`, lines, severity: severityOf(event) };
}

/** Plain text: the title, then the lines. */
export function plainText(event: RelayEvent): string {
  const { title, lines } = render(event);
  return [title, ...lines].join("\n");
}
