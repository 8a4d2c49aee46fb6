// PKCE (S256) for the OAuth flows that use it (Claude, Google, OpenAI): the verifier and state an
// authorization starts with, and the challenge its authorize URL carries.
import { randomBytes, toBase64Url } from "../keyspace/crypto.ts";

export interface PkceSession {
  verifier: string;
  state: string;
}

/** A base64url verifier and state of 32 random bytes each (Claude, Google). */
export function newPkceSession(): PkceSession {
  return { verifier: toBase64Url(randomBytes(32)), state: toBase64Url(randomBytes(32)) };
}

/** The S256 challenge of `verifier`. */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return toBase64Url(new Uint8Array(digest));
}
