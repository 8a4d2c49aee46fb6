// Webhook settings: the original's one config (webhook_config:default) merged into ours. Targets
// are matched by id: an imported target replaces the one with its id, targets added here stay, and
// keyExpiryWarningDays (ours alone) is kept. Written through worker/webhooks/config.ts.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "../../worker/keyspace/keys.ts";
import { type WebhookConfig, webhookConfigSchema } from "../../worker/keyspace/records/webhooks.ts";
import { Keyspace } from "../../worker/keyspace/store.ts";
import { defaultWebhookConfig, saveWebhookConfig } from "../../worker/webhooks/config.ts";
import { mapWebhooks } from "./map-webhooks.ts";
import { type Change, canonical, count, fieldChanges, parseJson } from "./plan.ts";
import { countNotMapped, type FamilyReport, type ReportedFamily } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedWebhooks {
  config: WebhookConfig;
  change: Change;
}

/** The only config key the original reads (webhookConfigService's DEFAULT_CONFIG_KEY). */
const CONFIG_ID = "default";

export async function planWebhooks(
  source: SourceReader,
  scanned: Scanned,
  target: Redis,
  report: FamilyReport,
  reported: ReportedFamily[],
): Promise<PlannedWebhooks | null> {
  const others = scanned.webhooks.filter((w) => w.c.id !== CONFIG_ID);
  if (others.length > 0)
    reported.push({
      family: "webhook_config:* (other)",
      count: others.length,
      reason: "not read by the original (it reads webhook_config:default only): not imported",
      items: others.map((w) => w.key),
    });
  const entry = scanned.webhooks.find((w) => w.c.id === CONFIG_ID);
  if (!entry) return null;
  const [text] = await source.strings([entry.key]);
  const raw = parseJson(text);
  if (!raw) {
    report.skipped.push({ id: entry.key, reason: "corrupt: not a JSON object" });
    return null;
  }
  const stored = webhookConfigSchema.safeParse(parseJson(await target.get<string>(keys.webhookConfig())));
  const existing = stored.success ? stored.data : null;
  // What the original's config lacks keeps its value here (map-webhooks.ts).
  const mapped = mapWebhooks(raw, existing);
  report.found = mapped.found;
  report.skipped.push(...mapped.skipped);
  report.imported = mapped.config.targets.length;
  countNotMapped(report, mapped.notMapped);

  const base = existing ?? defaultWebhookConfig();
  const imported = new Map(mapped.config.targets.map((t) => [t.id, t]));
  const kept = base.targets.map((t) => imported.get(t.id) ?? t);
  const added = mapped.config.targets.filter((t) => !base.targets.some((k) => k.id === t.id));
  const config: WebhookConfig = { ...base, ...mapped.config, targets: [...kept, ...added] };
  const { updatedAt: _then, ...before } = existing ?? {};
  const { updatedAt: _now, ...after } = config;
  const change: Change = !existing
    ? "created"
    : canonical(before) === canonical(after)
      ? "unchanged"
      : "updated";
  count(report, change);
  if (change === "updated")
    report.changes.push(...fieldChanges(`webhook_config:${CONFIG_ID}`, before, after));
  if (!stored.success && (await target.exists(keys.webhookConfig())) === 1)
    report.notes.push("the webhook settings stored here did not match their schema: replaced");
  return { config, change };
}

export async function applyWebhooks(target: Redis, planned: PlannedWebhooks | null): Promise<void> {
  if (!planned || planned.change === "unchanged") return;
  await saveWebhookConfig(new Keyspace(target), planned.config);
}
