// Adding Claude official (OAuth) accounts: the authorization link, the pasted-code exchange,
// and importing tokens (setup-token or refresh token) as the original accepts them.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import type { OauthCredentials } from "../keyspace/records/accounts.ts";
import { authorizationUrl, exchangeCode, refreshClaudeTokens } from "../providers/claude/oauth.ts";
import { newPkceSession } from "../providers/pkce.ts";
import { addAccount } from "./accounts.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { startOauthSession, takeOauthSession } from "./oauth-session.ts";
import {
  accountViewSchema,
  errorSchema,
  oauthAuthorizeResult,
  oauthExchangeBody,
  oauthImportBody,
} from "./schemas.ts";
import { accountView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];
const SETUP_TOKEN_DAYS = 365;

const routes = {
  authorize: createRoute({
    method: "post",
    path: "/accounts/claude-oauth/authorize",
    tags,
    security,
    summary: "Start adding a Claude account: open authUrl, log in, paste the code shown into /exchange",
    responses: { 200: jsonContent(oauthAuthorizeResult, "Authorization link") },
  }),
  exchange: createRoute({
    method: "post",
    path: "/accounts/claude-oauth/exchange",
    tags,
    security,
    summary: "Finish adding a Claude account with the pasted code",
    request: { body: { content: { "application/json": { schema: oauthExchangeBody } }, required: true } },
    responses: {
      201: jsonContent(z.object({ account: accountViewSchema }), "Created"),
      400: jsonContent(errorSchema, "Unknown session or refused code"),
    },
  }),
  import: createRoute({
    method: "post",
    path: "/accounts/claude-oauth/import",
    tags,
    security,
    summary: "Add a Claude account from a setup token, or from an access/refresh token",
    request: { body: { content: { "application/json": { schema: oauthImportBody } }, required: true } },
    responses: { 201: jsonContent(z.object({ account: accountViewSchema }), "Created") },
  }),
};

export function registerClaudeOauth(app: AdminApp) {
  app.openapi(routes.authorize, async (c) => {
    const s = services(c.env);
    const session = newPkceSession();
    const started = await startOauthSession(s, "claude", session);
    return c.json({ ...started, authUrl: await authorizationUrl(s.config, session) }, 200);
  });

  app.openapi(routes.exchange, async (c) => {
    const s = services(c.env);
    const { sessionId, code, ...settings } = c.req.valid("json");
    const session = await takeOauthSession(s, "claude", sessionId);
    const credentials = await exchangeCode(s.config, session, code);
    const record = await addAccount(c.env, "claude-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.import, async (c) => {
    const s = services(c.env);
    const { accessToken, refreshToken, expiresAt, setupToken, ...settings } = c.req.valid("json");
    let credentials: OauthCredentials;
    if (setupToken) {
      credentials = {
        accessToken: setupToken,
        expiresAt: Date.now() + SETUP_TOKEN_DAYS * 86_400_000,
        scopes: ["user:inference"],
      };
    } else if (accessToken) {
      credentials = { accessToken, refreshToken, expiresAt: expiresAt ?? Date.now() + 3_600_000, scopes: [] };
    } else {
      // Only a refresh token: get an access token now, so a bad token is refused here, not mid-request.
      credentials = await refreshClaudeTokens(s.config, {
        accessToken: "none",
        refreshToken,
        expiresAt: 0,
        scopes: [],
      });
    }
    const record = await addAccount(c.env, "claude-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });
}
