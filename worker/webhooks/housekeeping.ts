// The hourly housekeeping cron: warns (webhook `key.expiring`) about active keys that expire
// within the configured number of days, once per key and expiry date.
import type { Env } from "../env.ts";
import { services } from "../env.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import { expiresAt } from "../relay/expiry.ts";
import { loadWebhookConfig } from "./config.ts";
import { newEvent } from "./events.ts";
import { notify, type QueuedEvent } from "./notify.ts";

/** Must match the second cron in wrangler.jsonc. */
export const HOUSEKEEPING_CRON = "41 * * * *";

const DAY_MS = 86_400_000;

/** The expiry warnings due now, for these keys. */
export function expiryWarnings(keys: RelayKeyRecord[], warningDays: number, now: number): QueuedEvent[] {
  if (warningDays <= 0) return [];
  const warnings: QueuedEvent[] = [];
  for (const key of keys) {
    if (!key.isActive || key.ownerDisabled) continue;
    const at = expiresAt(key);
    if (at === null || at <= now || at - now > warningDays * DAY_MS) continue;
    const expiresAtIso = new Date(at).toISOString();
    warnings.push({
      event: newEvent(
        "key.expiring",
        {
          keyId: key.id,
          keyName: key.name,
          ownerId: key.ownerId,
          expiresAt: expiresAtIso,
          daysLeft: Math.round(((at - now) / DAY_MS) * 10) / 10,
        },
        now,
      ),
      dedupeKey: `key.expiring:${key.id}:${expiresAtIso}`,
      dedupeSeconds: Math.ceil((at - now) / 1000) + 86_400,
    });
  }
  return warnings;
}

export async function warnExpiringKeys(env: Env, now = Date.now()): Promise<number> {
  const { keyspace } = services(env);
  const config = await loadWebhookConfig(keyspace);
  if (!config.enabled || config.keyExpiryWarningDays <= 0 || !config.targets.some((t) => t.enabled)) return 0;
  const warnings = expiryWarnings(await keyspace.listRelayKeys(), config.keyExpiryWarningDays, now);
  await notify(env, ...warnings);
  return warnings.length;
}
