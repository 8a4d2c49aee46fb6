// The one rule for a key's platform permissions, read by the routes (relay-key.ts), the chat model
// list and the KeyGate (which holds the newest limits and decides for every relayed request).
import type { Platform } from "../keyspace/records/common.ts";
import type { KeyLimits } from "../keyspace/records/relay-keys.ts";

/** An empty list allows every platform, as in the original. */
export function mayUsePlatform(limits: Pick<KeyLimits, "permissions">, platform: Platform): boolean {
  return limits.permissions.length === 0 || limits.permissions.includes(platform);
}

export const notPermittedMessage = (platform: Platform) => `This API key is not allowed to use ${platform}`;
