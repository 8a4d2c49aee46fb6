// Refuses public stats lookups from an address after repeated failed ones (key guessing).
// Per isolate, like the admin login throttle: an attacker spread over many isolates gets more
// tries, but each try still costs a full 64-hex-digit guess. A Durable Object would make it global.

export const STATS_WINDOW_MS = 10 * 60_000;
export const STATS_MAX_FAILURES = 30;
const MAX_TRACKED = 10_000;

const failures = new Map<string, { count: number; resetAt: number }>();

function current(id: string, now: number) {
  const entry = failures.get(id);
  return entry && entry.resetAt > now ? entry : undefined;
}

/** Milliseconds this address must wait before it may look up again (0 = it may). */
export function statsBlockedFor(id: string, now = Date.now()): number {
  const entry = current(id, now);
  return entry && entry.count >= STATS_MAX_FAILURES ? entry.resetAt - now : 0;
}

export function recordStatsFailure(id: string, now = Date.now()): void {
  if (failures.size >= MAX_TRACKED && !failures.has(id)) {
    for (const [key, entry] of failures) if (entry.resetAt <= now) failures.delete(key);
    // Still full of live entries: forget the oldest rather than grow without bound.
    if (failures.size >= MAX_TRACKED) {
      const oldest = failures.keys().next().value;
      if (oldest !== undefined) failures.delete(oldest);
    }
  }
  const entry = current(id, now) ?? { count: 0, resetAt: now + STATS_WINDOW_MS };
  entry.count += 1;
  failures.set(id, entry);
}
