// Refuses admin logins after repeated failures from one address or for one user name.
// Per isolate for now; a Durable Object makes it global (see issue on abuse).

const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 10;
const failures = new Map<string, { count: number; resetAt: number }>();

function current(id: string, now: number) {
  const entry = failures.get(id);
  return entry && entry.resetAt > now ? entry : undefined;
}

export function loginBlockedFor(ids: string[], now = Date.now()): number {
  let wait = 0;
  for (const id of ids) {
    const entry = current(id, now);
    if (entry && entry.count >= MAX_FAILURES) wait = Math.max(wait, entry.resetAt - now);
  }
  return wait;
}

export function recordLoginFailure(ids: string[], now = Date.now()): void {
  for (const id of ids) {
    const entry = current(id, now) ?? { count: 0, resetAt: now + WINDOW_MS };
    entry.count += 1;
    failures.set(id, entry);
  }
}

export function clearLoginFailures(ids: string[]): void {
  for (const id of ids) failures.delete(id);
}
