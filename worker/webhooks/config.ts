// The webhook configuration: one record in the keyspace (DESIGN §4 "settings"), read by the
// Notifier and the housekeeping cron, written by the admin API. Secrets are never shown back:
// a view says only whether one is set, and a PUT that leaves a secret out keeps the stored one.
import { RelayError } from "../http/errors.ts";
import {
  type WebhookConfig,
  type WebhookTarget,
  webhookConfigSchema,
  webhookTargetSchema,
} from "../keyspace/records/webhooks.ts";
import type { Keyspace } from "../keyspace/store.ts";

export const defaultWebhookConfig = (): WebhookConfig => webhookConfigSchema.parse({ v: 1 });

export async function loadWebhookConfig(keyspace: Keyspace): Promise<WebhookConfig> {
  return (await keyspace.settings.webhookConfig()) ?? defaultWebhookConfig();
}

export async function saveWebhookConfig(keyspace: Keyspace, config: WebhookConfig): Promise<WebhookConfig> {
  const stored = webhookConfigSchema.parse({ ...config, updatedAt: new Date().toISOString() });
  await keyspace.settings.putWebhookConfig(stored);
  return stored;
}

/** Fields that hold a secret (a signing secret, a bot token). */
const SECRET_FIELDS = ["secret", "botToken"] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

export type TargetView = Omit<WebhookTarget, SecretField> & { secretSet: boolean; botTokenSet?: boolean };

export function targetView(target: WebhookTarget): TargetView {
  const { secret, botToken, ...rest } = target as WebhookTarget & { secret?: string; botToken?: string };
  const view: TargetView = { ...(rest as Omit<WebhookTarget, SecretField>), secretSet: Boolean(secret) };
  if (target.type === "telegram") view.botTokenSet = Boolean(botToken);
  return view;
}

export function configView(config: WebhookConfig) {
  return { ...config, targets: config.targets.map(targetView) };
}

/**
 * A PUT's targets: a target that names an existing id and leaves a secret field out keeps the
 * stored value (so a dashboard can save what it was shown); `""` clears it.
 */
export function mergeTargets(stored: WebhookTarget[], incoming: Record<string, unknown>[]): WebhookTarget[] {
  return incoming.map((raw, index) => {
    const previous = stored.find((t) => t.id === raw.id && t.type === raw.type) as
      | Record<string, unknown>
      | undefined;
    const merged: Record<string, unknown> = { ...raw };
    for (const field of SECRET_FIELDS) {
      if (merged[field] === undefined && previous?.[field] !== undefined) merged[field] = previous[field];
      if (merged[field] === "") delete merged[field];
    }
    delete merged.secretSet;
    delete merged.botTokenSet;
    const parsed = webhookTargetSchema.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = ["targets", index, ...(issue?.path ?? [])].join(".");
      throw new RelayError("invalid_request", `${where}: ${issue?.message ?? "invalid target"}`);
    }
    return parsed.data;
  });
}
