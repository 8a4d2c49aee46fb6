// ChatGPT (Codex) accounts: OpenAI's OAuth as the original uses it: the Codex CLI's public
// client id, PKCE S256, the localhost:1455 redirect the admin copies the code from, the code
// exchange, and token refresh. The ChatGPT account id comes from the id token's claims.
import { z } from "zod";
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import { randomBytes, toHex } from "../../keyspace/crypto.ts";
import type { OauthCredentials } from "../../keyspace/records/accounts.ts";
import { callTokenEndpoint, tokenAnswerSchema } from "../oauth-token.ts";
import { type PkceSession, pkceChallenge } from "../pkce.ts";
import { chatgptAccountIdOf } from "./jwt.ts";

export const OPENAI_SCOPES = ["openid", "profile", "email", "offline_access"];
/** What Codex asks for when it refreshes. */
const REFRESH_SCOPE = "openid profile email";

/** ChatGPT's answer also carries the id token the account id is read from. */
const tokenAnswer = tokenAnswerSchema.extend({ id_token: z.string().min(1).optional() });

/** As the original: a hex verifier of 64 random bytes, a hex state of 32. */
export function newOpenaiPkceSession(): PkceSession {
  return { verifier: toHex(randomBytes(64)), state: toHex(randomBytes(32)) };
}

export async function openaiAuthorizationUrl(config: Config, session: PkceSession): Promise<string> {
  const url = new URL(config.OPENAI_OAUTH_AUTHORIZE_URL);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.OPENAI_OAUTH_CLIENT_ID);
  url.searchParams.set("redirect_uri", config.OPENAI_OAUTH_REDIRECT_URI);
  url.searchParams.set("scope", OPENAI_SCOPES.join(" "));
  url.searchParams.set("code_challenge", await pkceChallenge(session.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", session.state);
  url.searchParams.set("id_token_add_organizations", "true");
  url.searchParams.set("codex_cli_simplified_flow", "true");
  return url.toString();
}

/** The token request: the code exchange is a form post (as Codex and the original send it), a refresh is JSON (as Codex sends it). */
export function openaiTokenRequest(
  config: Config,
  fields: Record<string, string>,
  encoding: "form" | "json",
): Request {
  const body = { client_id: config.OPENAI_OAUTH_CLIENT_ID, ...fields };
  return new Request(config.OPENAI_OAUTH_TOKEN_URL, {
    method: "POST",
    headers: {
      "content-type": encoding === "form" ? "application/x-www-form-urlencoded" : "application/json",
      accept: "application/json",
    },
    body: encoding === "form" ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
}

async function tokenRequest(
  config: Config,
  fields: Record<string, string>,
  encoding: "form" | "json",
  previous?: OauthCredentials,
): Promise<OauthCredentials> {
  const parsed = await callTokenEndpoint(openaiTokenRequest(config, fields, encoding), tokenAnswer, {
    name: "OpenAI OAuth token endpoint",
  });
  const chatgptAccountId =
    chatgptAccountIdOf(parsed.id_token) ??
    chatgptAccountIdOf(parsed.access_token) ??
    previous?.chatgptAccountId;
  return {
    accessToken: parsed.access_token,
    // A refresh may answer without a new refresh token: the old one stays valid then.
    refreshToken: parsed.refresh_token ?? previous?.refreshToken,
    expiresAt: Date.now() + (parsed.expires_in ?? 3600) * 1000,
    scopes: parsed.scope?.split(" ").filter(Boolean) ?? [],
    ...(chatgptAccountId ? { chatgptAccountId } : {}),
  };
}

/**
 * What the admin pastes: the code, or the whole callback URL the browser was sent to
 * (`http://localhost:1455/auth/callback?code=…&state=…`), as the original asks for.
 */
export function pastedCode(pasted: string, expectedState: string): string {
  const text = pasted.trim();
  let code = text;
  let state: string | null = null;
  if (/^https?:\/\//i.test(text) || text.includes("code=")) {
    const query = /^https?:\/\//i.test(text) ? new URL(text).searchParams : new URLSearchParams(text);
    code = query.get("code") ?? "";
    state = query.get("state");
  }
  if (code === "") throw new RelayError("invalid_request", "code: no authorization code in what was pasted");
  if (state !== null && state !== expectedState) {
    throw new RelayError("invalid_request", "code: the callback's state does not match this session");
  }
  return code;
}

export function exchangeOpenaiCode(
  config: Config,
  session: PkceSession,
  pasted: string,
): Promise<OauthCredentials> {
  return tokenRequest(
    config,
    {
      grant_type: "authorization_code",
      code: pastedCode(pasted, session.state),
      redirect_uri: config.OPENAI_OAUTH_REDIRECT_URI,
      code_verifier: session.verifier,
    },
    "form",
  );
}

export function refreshOpenaiTokens(config: Config, current: OauthCredentials): Promise<OauthCredentials> {
  if (!current.refreshToken)
    throw new RelayError("authentication", "This account's token expired and has no refresh token");
  return tokenRequest(
    config,
    { grant_type: "refresh_token", refresh_token: current.refreshToken, scope: REFRESH_SCOPE },
    "json",
    current,
  );
}

/** Refresh when less than a minute is left. */
export function openaiTokenExpiresSoon(credentials: OauthCredentials, now: number): boolean {
  return credentials.expiresAt - 60_000 <= now;
}
