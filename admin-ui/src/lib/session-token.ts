// The stored admin session: what sessionStorage holds, checked when read.

export interface Session {
  token: string;
  username: string;
  /** epoch ms */
  expiresAt: number;
}

/** A stored session that is well-formed and not yet expired, else null. */
export function parseSession(raw: string | null, now: number): Session | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null) return null;
    const { token, username, expiresAt } = value as Record<string, unknown>;
    if (typeof token !== "string" || typeof username !== "string" || typeof expiresAt !== "number")
      return null;
    return expiresAt > now ? { token, username, expiresAt } : null;
  } catch {
    return null;
  }
}
