// Gemini OAuth accounts as the original adds them: Google's authorization link for the Gemini CLI's
// OAuth client (PKCE S256, offline access, cloud-platform scope, Code Assist's code page as the
// redirect), the code exchange and token refresh (form-encoded, as Google's token endpoint takes
// them), and finding the account's Code Assist project (loadCodeAssist, then onboardUser).
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import { asObject, type Json } from "../../http/json.ts";
import type { OauthCredentials } from "../../keyspace/records/accounts.ts";
import { callTokenEndpoint, tokenAnswerSchema, tokenFormRequest } from "../oauth-token.ts";
import { type PkceSession, pkceChallenge } from "../pkce.ts";

export const GEMINI_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

export async function authorizationUrl(config: Config, session: PkceSession): Promise<string> {
  const url = new URL(config.GEMINI_OAUTH_AUTHORIZE_URL);
  url.searchParams.set("client_id", config.GEMINI_OAUTH_CLIENT_ID);
  url.searchParams.set("redirect_uri", config.GEMINI_OAUTH_REDIRECT_URI);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", GEMINI_SCOPES.join(" "));
  url.searchParams.set("access_type", "offline");
  url.searchParams.set("prompt", "select_account");
  url.searchParams.set("code_challenge", await pkceChallenge(session.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", session.state);
  return url.toString();
}

async function tokenRequest(config: Config, fields: Record<string, string>): Promise<OauthCredentials> {
  const form = new URLSearchParams({ client_id: config.GEMINI_OAUTH_CLIENT_ID, ...fields });
  if (config.GEMINI_OAUTH_CLIENT_SECRET) form.set("client_secret", config.GEMINI_OAUTH_CLIENT_SECRET);
  const request = tokenFormRequest(config.GEMINI_OAUTH_TOKEN_URL, form);
  const parsed = await callTokenEndpoint(request, tokenAnswerSchema, {
    name: "Google OAuth token endpoint",
    hint: config.GEMINI_OAUTH_CLIENT_SECRET ? "" : " (GEMINI_OAUTH_CLIENT_SECRET is not set)",
  });
  return {
    accessToken: parsed.access_token,
    refreshToken: parsed.refresh_token,
    expiresAt: Date.now() + (parsed.expires_in ?? 3600) * 1000,
    scopes: parsed.scope?.split(" ").filter(Boolean) ?? GEMINI_SCOPES,
  };
}

/** The code from Google's page, or the whole redirect URL pasted by mistake. */
export function codeFromPaste(pasted: string): string {
  const trimmed = pasted.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      return new URL(trimmed).searchParams.get("code") ?? trimmed;
    } catch {
      return trimmed;
    }
  }
  return trimmed;
}

export function exchangeCode(
  config: Config,
  session: PkceSession,
  pasted: string,
): Promise<OauthCredentials> {
  return tokenRequest(config, {
    grant_type: "authorization_code",
    code: codeFromPaste(pasted),
    redirect_uri: config.GEMINI_OAUTH_REDIRECT_URI,
    code_verifier: session.verifier,
  });
}

export async function refreshGeminiTokens(
  config: Config,
  current: OauthCredentials,
): Promise<OauthCredentials> {
  if (!current.refreshToken) {
    throw new RelayError("authentication", "This account's token expired and has no refresh token");
  }
  const next = await tokenRequest(config, {
    grant_type: "refresh_token",
    refresh_token: current.refreshToken,
  });
  // Google answers a refresh without a new refresh token: the old one stays valid. The project stays.
  return {
    ...next,
    refreshToken: next.refreshToken ?? current.refreshToken,
    projectId: current.projectId,
  };
}

/** Refresh when less than a minute is left. */
export function expiresSoon(credentials: OauthCredentials, now: number): boolean {
  return credentials.expiresAt - 60_000 <= now;
}

const CLIENT_METADATA = {
  ideType: "IDE_UNSPECIFIED",
  platform: "PLATFORM_UNSPECIFIED",
  pluginType: "GEMINI",
};
const ONBOARD_ATTEMPTS = 6;
const ONBOARD_POLL_MS = 2_000;

async function codeAssistCall(base: string, method: string, accessToken: string, body: Json): Promise<Json> {
  let response: Response;
  try {
    response = await fetch(`${base}/v1internal:${method}`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new RelayError("unavailable", `Code Assist could not be reached for ${method}`, { status: 502 });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new RelayError(
      "invalid_request",
      `Code Assist refused ${method} (${response.status}): ${text.slice(0, 200)}`,
      { status: response.status >= 500 ? 502 : 400 },
    );
  }
  try {
    return asObject(JSON.parse(text)) ?? {};
  } catch {
    throw new RelayError("api_error", `Code Assist answered ${method} with something not JSON`, {
      status: 502,
    });
  }
}

const projectOf = (value: unknown): string | undefined => {
  if (typeof value === "string" && value) return value;
  const id = asObject(value)?.id;
  return typeof id === "string" && id ? id : undefined;
};

/**
 * The Cloud project Code Assist runs this account's requests in: the one loadCodeAssist names, else
 * the one onboarding the account to its tier gives (free tier: a managed project), as Gemini CLI and
 * the original do it once per account.
 */
export async function discoverProject(config: Config, baseUrl: string, accessToken: string): Promise<string> {
  const base = (baseUrl || config.CODE_ASSIST_API_BASE).replace(/\/+$/, "");
  const loaded = await codeAssistCall(base, "loadCodeAssist", accessToken, { metadata: CLIENT_METADATA });
  const known = projectOf(loaded.cloudaicompanionProject);
  if (known) return known;
  const tiers = Array.isArray(loaded.allowedTiers) ? loaded.allowedTiers : [];
  const tier = asObject(loaded.currentTier) ?? asObject(tiers.find((t) => asObject(t)?.isDefault === true));
  const tierId = typeof tier?.id === "string" ? tier.id : "legacy-tier";
  for (let attempt = 0; attempt < ONBOARD_ATTEMPTS; attempt++) {
    const operation = await codeAssistCall(base, "onboardUser", accessToken, {
      tierId,
      metadata: CLIENT_METADATA,
    });
    if (operation.done === true) {
      const project = projectOf(asObject(operation.response)?.cloudaicompanionProject);
      if (project) return project;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, ONBOARD_POLL_MS));
  }
  throw new RelayError(
    "invalid_request",
    "Could not find this account's Code Assist project: give its Google Cloud projectId",
  );
}
