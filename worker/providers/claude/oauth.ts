// Claude official accounts: the OAuth flow the original uses (PKCE S256, its client id, scopes
// and redirect URI), the code exchange, and token refresh.
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import type { OauthCredentials } from "../../keyspace/records/accounts.ts";
import { callTokenEndpoint, tokenAnswerSchema } from "../oauth-token.ts";
import { type PkceSession, pkceChallenge } from "../pkce.ts";

export const CLAUDE_SCOPES = [
  "org:create_api_key",
  "user:profile",
  "user:inference",
  "user:sessions:claude_code",
  "user:mcp_servers",
  "user:file_upload",
];

export async function authorizationUrl(config: Config, session: PkceSession): Promise<string> {
  const url = new URL(config.CLAUDE_OAUTH_AUTHORIZE_URL);
  url.searchParams.set("code", "true");
  url.searchParams.set("client_id", config.CLAUDE_OAUTH_CLIENT_ID);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", config.CLAUDE_OAUTH_REDIRECT_URI);
  url.searchParams.set("scope", CLAUDE_SCOPES.join(" "));
  url.searchParams.set("code_challenge", await pkceChallenge(session.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", session.state);
  return url.toString();
}

async function tokenRequest(config: Config, body: Record<string, string>): Promise<OauthCredentials> {
  const request = new Request(config.CLAUDE_OAUTH_TOKEN_URL, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "claude-cli/1.0.56 (external, cli)" },
    body: JSON.stringify({ client_id: config.CLAUDE_OAUTH_CLIENT_ID, ...body }),
  });
  const parsed = await callTokenEndpoint(request, tokenAnswerSchema, { name: "Claude OAuth token endpoint" });
  return {
    accessToken: parsed.access_token,
    refreshToken: parsed.refresh_token,
    expiresAt: Date.now() + (parsed.expires_in ?? 3600) * 1000,
    scopes: parsed.scope?.split(" ").filter(Boolean) ?? [],
  };
}

/** The code pasted from Claude's callback page comes as `code#state`. */
export function exchangeCode(
  config: Config,
  session: PkceSession,
  pasted: string,
): Promise<OauthCredentials> {
  const [code = "", state = session.state] = pasted.trim().split("#");
  return tokenRequest(config, {
    grant_type: "authorization_code",
    code,
    redirect_uri: config.CLAUDE_OAUTH_REDIRECT_URI,
    code_verifier: session.verifier,
    state,
  });
}

export async function refreshClaudeTokens(
  config: Config,
  current: OauthCredentials,
): Promise<OauthCredentials> {
  if (!current.refreshToken)
    throw new RelayError("authentication", "This account's token expired and has no refresh token");
  const next = await tokenRequest(config, {
    grant_type: "refresh_token",
    refresh_token: current.refreshToken,
  });
  // Some refreshes answer without a new refresh token: the old one stays valid then.
  return { ...next, refreshToken: next.refreshToken ?? current.refreshToken };
}

/** Refresh when less than a minute is left, as the original does. */
export function expiresSoon(credentials: OauthCredentials, now: number): boolean {
  return credentials.expiresAt - 60_000 <= now;
}
