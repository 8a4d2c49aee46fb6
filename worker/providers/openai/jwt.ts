// Reading (never verifying) the claims of OpenAI's id and access tokens: the ChatGPT account id
// that Codex requests carry, and the expiry. The tokens came from OpenAI's token endpoint or an
// admin; nothing here is trusted for authorization.

import { asObject, type Json } from "../../http/json.ts";
import { fromBase64Url } from "../../keyspace/crypto.ts";

const AUTH_CLAIM = "https://api.openai.com/auth";

export function jwtClaims(token: string | undefined): Json | undefined {
  const payload = token?.split(".")[1];
  if (!payload || token?.split(".").length !== 3) return undefined;
  try {
    return asObject(JSON.parse(new TextDecoder().decode(fromBase64Url(payload))));
  } catch {
    return undefined;
  }
}

/** `chatgpt_account_id` from the OpenAI auth claim of an id token (or an access token). */
export function chatgptAccountIdOf(token: string | undefined): string | undefined {
  const id = asObject(jwtClaims(token)?.[AUTH_CLAIM])?.chatgpt_account_id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** The token's `exp` in epoch ms, when it has one. */
export function expiryOf(token: string | undefined): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
}
