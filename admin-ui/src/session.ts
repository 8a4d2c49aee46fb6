// The admin session: a JWT kept in sessionStorage (gone when the tab closes), dropped at its
// expiry or on the first 401, with a timer so an idle page logs out on time too.
import { createSignal } from "solid-js";
import type { LoginResult } from "./api/types.ts";
import { apiBase } from "./lib/api-base.ts";
import { requestJson } from "./lib/http.ts";
import { parseSession, type Session } from "./lib/session-token.ts";
import { readStored, writeStored } from "./lib/storage.ts";

const STORAGE_KEY = "edge-relay.session";

const [session, setSessionSignal] = createSignal<Session | null>(
  parseSession(readStored("session", STORAGE_KEY), Date.now()),
);
/** Why the last session ended, for the login page ("expired"), or null. */
const [endReason, setEndReason] = createSignal<"expired" | null>(null);

export { endReason, session };

let timer: ReturnType<typeof setTimeout> | undefined;

function setSession(next: Session | null): void {
  clearTimeout(timer);
  setSessionSignal(next);
  writeStored("session", STORAGE_KEY, next ? JSON.stringify(next) : null);
  if (next) {
    // setTimeout's limit is ~24.8 days; sessions are far shorter.
    const wait = Math.min(next.expiresAt - Date.now(), 2 ** 31 - 1);
    timer = setTimeout(() => expire(), Math.max(0, wait));
  }
}
setSession(session());

export async function login(username: string, password: string): Promise<void> {
  const result = await requestJson<LoginResult>(apiBase(), "POST", "/admin/auth/login", {
    body: { username, password },
  });
  setEndReason(null);
  setSession({ token: result.token, username, expiresAt: Date.parse(result.expiresAt) });
}

export function logout(): void {
  setEndReason(null);
  setSession(null);
}

/** The token was refused or ran out: back to the login page with a note. */
export function expire(): void {
  if (!session()) return;
  setEndReason("expired");
  setSession(null);
}
