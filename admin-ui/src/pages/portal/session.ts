// The portal user's session: like the admin's (a JWT in sessionStorage, dropped at its expiry or on
// the first 401) under its own storage key, so a user and the admin can be signed in side by side.
import { createSignal } from "solid-js";
import { parseSession, type Session } from "../../lib/session-token.ts";
import { readStored, writeStored } from "../../lib/storage.ts";

const STORAGE_KEY = "edge-relay.portal-session";

const [portalSession, setSessionSignal] = createSignal<Session | null>(
  parseSession(readStored("session", STORAGE_KEY), Date.now()),
);
/** Why the last session ended, for the login page, or null. */
const [portalEndReason, setEndReason] = createSignal<"expired" | "password" | null>(null);

export { portalEndReason, portalSession };

let timer: ReturnType<typeof setTimeout> | undefined;

export function setPortalSession(next: Session | null): void {
  clearTimeout(timer);
  setSessionSignal(next);
  writeStored("session", STORAGE_KEY, next ? JSON.stringify(next) : null);
  if (next) {
    const wait = Math.min(next.expiresAt - Date.now(), 2 ** 31 - 1);
    timer = setTimeout(() => expirePortal(), Math.max(0, wait));
  }
}
setPortalSession(portalSession());

export function startPortalSession(token: string, username: string, expiresAt: string): void {
  setEndReason(null);
  setPortalSession({ token, username, expiresAt: Date.parse(expiresAt) });
}

export function portalLogout(): void {
  setEndReason(null);
  setPortalSession(null);
}

/** The token was refused or ran out: back to the login page with a note. */
export function expirePortal(): void {
  if (!portalSession()) return;
  setEndReason("expired");
  setPortalSession(null);
}
