// Queueing an event for the webhooks: one RPC to the Notifier, which stores it and answers; the
// delivery happens later in its alarm. Callers on a request's path never await this: they `void`
// it (a Durable Object) or hand it to waitUntil (the Worker).
import type { Env } from "../env.ts";
import { describeError, log } from "../http/log.ts";
import type { RelayEvent } from "./events.ts";

export interface QueuedEvent {
  event: RelayEvent;
  /** Events with the same key within dedupeSeconds are sent once (e.g. one expiry warning per key). */
  dedupeKey?: string;
  dedupeSeconds?: number;
}

export const NOTIFIER_NAME = "default";

export function notifierOf(env: Env) {
  return env.NOTIFIER.getByName(NOTIFIER_NAME);
}

/** Queues events; never throws (a lost alert must never fail what raised it). */
export async function notify(env: Env, ...items: QueuedEvent[]): Promise<void> {
  if (items.length === 0 || !env.NOTIFIER) return;
  try {
    await notifierOf(env).enqueue(items);
  } catch (error) {
    log("warn", "webhook event not queued", {
      types: items.map((i) => i.event.type),
      error: describeError(error),
    });
  }
}
