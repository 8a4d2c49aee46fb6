// Droid accounts signed in through Factory's WorkOS login, as the original keeps them: the
// refresh token is exchanged at WorkOS's authenticate endpoint (form-encoded, the Factory CLI's
// client id, the organization when known). WorkOS rotates refresh tokens: the new one replaces it.
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import type { OauthCredentials } from "../../keyspace/records/accounts.ts";
import { callTokenEndpoint, tokenAnswerSchema, tokenFormRequest } from "../oauth-token.ts";

/** What the original assumes when WorkOS names no lifetime. */
const DEFAULT_LIFETIME_SECONDS = 8 * 3600;
/** Refreshed this long before it expires, so a long stream never starts on a dying token. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export function droidTokenExpiresSoon(credentials: OauthCredentials, now: number): boolean {
  return credentials.expiresAt - REFRESH_MARGIN_MS <= now;
}

export async function refreshDroidTokens(
  config: Config,
  refreshToken: string | undefined,
  organizationId?: string,
): Promise<OauthCredentials> {
  if (!refreshToken)
    throw new RelayError("authentication", "This Droid account's token expired and has no refresh token");
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: config.DROID_OAUTH_CLIENT_ID,
  });
  if (organizationId) form.set("organization_id", organizationId);
  const request = tokenFormRequest(config.DROID_OAUTH_TOKEN_URL, form);
  const parsed = await callTokenEndpoint(request, tokenAnswerSchema, {
    name: "WorkOS token endpoint",
    refusal: "WorkOS refused the Droid refresh token",
  });
  return {
    accessToken: parsed.access_token,
    refreshToken: parsed.refresh_token ?? refreshToken,
    expiresAt: Date.now() + (parsed.expires_in ?? DEFAULT_LIFETIME_SECONDS) * 1000,
    scopes: [],
  };
}
