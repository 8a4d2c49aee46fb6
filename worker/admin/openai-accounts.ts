// Adding OpenAI accounts: API-key accounts (optional custom base URL), and ChatGPT (Codex) OAuth
// accounts through the authorization link + pasted callback, or from imported tokens.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import type { OauthCredentials } from "../keyspace/records/accounts.ts";
import { chatgptAccountIdOf, expiryOf } from "../providers/openai/jwt.ts";
import {
  exchangeOpenaiCode,
  newOpenaiPkceSession,
  openaiAuthorizationUrl,
  refreshOpenaiTokens,
} from "../providers/openai/oauth.ts";
import { addAccount } from "./accounts.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { accountResult, newAccountRoute } from "./new-account-route.ts";
import { startOauthSession, takeOauthSession } from "./oauth-session.ts";
import { consoleAccountBody, errorSchema, oauthAuthorizeResult } from "./schemas.ts";
import { accountView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];

/** The settings every account takes (name, baseUrl, priority, …), as the Console account body has them. */
const settingsBody = consoleAccountBody.omit({ apiKey: true });

const openaiApiAccountBody = consoleAccountBody.openapi("NewOpenaiApiAccount");

const openaiExchangeBody = settingsBody
  .extend({
    sessionId: z.string().min(1),
    code: z.string().min(1).max(4000).openapi({
      description: "The code, or the whole callback URL (http://localhost:1455/auth/callback?code=…&state=…)",
    }),
  })
  .openapi("OpenaiOauthExchange");

const openaiImportBody = settingsBody
  .extend({
    accessToken: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    expiresAt: z.number().optional().openapi({ description: "Access token expiry, epoch ms" }),
    idToken: z.string().min(1).optional().openapi({ description: "Read for the ChatGPT account id" }),
    chatgptAccountId: z.string().min(1).optional().openapi({ description: "Sent as chatgpt-account-id" }),
  })
  .refine((b) => b.accessToken || b.refreshToken, "give a refreshToken or an accessToken")
  .openapi("OpenaiOauthImport");

const routes = {
  createApi: newAccountRoute(
    "/accounts/openai-api",
    "Add an OpenAI API-key account (optional custom base URL: a chained relay or a compatible API)",
    openaiApiAccountBody,
  ),
  authorize: createRoute({
    method: "post",
    path: "/accounts/openai-oauth/authorize",
    tags,
    security,
    summary:
      "Start adding a ChatGPT (Codex) account: open authUrl, log in, paste the callback URL into /exchange",
    responses: { 200: jsonContent(oauthAuthorizeResult, "Authorization link") },
  }),
  exchange: createRoute({
    method: "post",
    path: "/accounts/openai-oauth/exchange",
    tags,
    security,
    summary: "Finish adding a ChatGPT (Codex) account with the pasted code or callback URL",
    request: { body: { content: { "application/json": { schema: openaiExchangeBody } }, required: true } },
    responses: {
      201: jsonContent(accountResult, "Created"),
      400: jsonContent(errorSchema, "Unknown session or refused code"),
    },
  }),
  import: createRoute({
    method: "post",
    path: "/accounts/openai-oauth/import",
    tags,
    security,
    summary: "Add a ChatGPT (Codex) account from its tokens (e.g. ~/.codex/auth.json)",
    request: { body: { content: { "application/json": { schema: openaiImportBody } }, required: true } },
    responses: {
      201: jsonContent(accountResult, "Created"),
      400: jsonContent(errorSchema, "Refresh token refused"),
    },
  }),
};

export function registerOpenaiAccounts(app: AdminApp) {
  app.openapi(routes.createApi, async (c) => {
    const { apiKey, ...settings } = c.req.valid("json");
    const record = await addAccount(c.env, "openai-api", settings, { apiKey });
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.authorize, async (c) => {
    const s = services(c.env);
    const session = newOpenaiPkceSession();
    const started = await startOauthSession(s, "openai", session);
    return c.json({ ...started, authUrl: await openaiAuthorizationUrl(s.config, session) }, 200);
  });

  app.openapi(routes.exchange, async (c) => {
    const s = services(c.env);
    const { sessionId, code, ...settings } = c.req.valid("json");
    const session = await takeOauthSession(s, "openai", sessionId);
    const credentials = await exchangeOpenaiCode(s.config, session, code);
    const record = await addAccount(c.env, "openai-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.import, async (c) => {
    const s = services(c.env);
    const { accessToken, refreshToken, expiresAt, idToken, chatgptAccountId, ...settings } =
      c.req.valid("json");
    const accountId = chatgptAccountId ?? chatgptAccountIdOf(idToken) ?? chatgptAccountIdOf(accessToken);
    let credentials: OauthCredentials;
    if (accessToken) {
      credentials = {
        accessToken,
        refreshToken,
        expiresAt: expiresAt ?? expiryOf(accessToken) ?? Date.now() + 3_600_000,
        scopes: [],
        ...(accountId ? { chatgptAccountId: accountId } : {}),
      };
    } else {
      // Only a refresh token: get an access token now, so a bad token is refused here, not mid-request.
      credentials = await refreshOpenaiTokens(s.config, {
        accessToken: "none",
        refreshToken,
        expiresAt: 0,
        scopes: [],
        ...(accountId ? { chatgptAccountId: accountId } : {}),
      });
    }
    const record = await addAccount(c.env, "openai-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });
}
