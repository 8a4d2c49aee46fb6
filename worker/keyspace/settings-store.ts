// Settings records, one each: the branding (admin UI, login and stats pages) and the webhook
// configuration (DESIGN §4 "settings"), read by the Notifier and the housekeeping cron.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "./keys.ts";
import { type Branding, brandingSchema } from "./records/settings.ts";
import { type WebhookConfig, webhookConfigSchema } from "./records/webhooks.ts";

export class SettingsStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** The branding; the record's defaults when none is stored or it does not match its schema. */
  async branding(): Promise<Branding> {
    const raw: unknown = await this.redis.get(keys.branding());
    const parsed = brandingSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    return parsed.success ? parsed.data : brandingSchema.parse({ v: 1 });
  }

  async putBranding(branding: Branding): Promise<void> {
    await this.redis.set(keys.branding(), JSON.stringify(brandingSchema.parse(branding)));
  }

  /** Null when none is stored; a stored one that does not match its schema is an error, not a default. */
  async webhookConfig(): Promise<WebhookConfig | null> {
    const raw = await this.redis.get<string>(keys.webhookConfig());
    if (raw === null || raw === undefined) return null;
    const parsed = webhookConfigSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    if (!parsed.success) throw new Error("the stored webhook configuration does not match its schema");
    return parsed.data;
  }

  async putWebhookConfig(config: WebhookConfig): Promise<void> {
    await this.redis.set(keys.webhookConfig(), JSON.stringify(webhookConfigSchema.parse(config)));
  }
}
