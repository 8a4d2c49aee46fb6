// Adding Gemini accounts: API-key accounts (Generative Language API, optional base URL), and OAuth
// accounts (Code Assist) by the authorization link + pasted code, or by importing tokens. An OAuth
// account's Cloud project is found once, here, when it is not given.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import type { OauthCredentials } from "../keyspace/records/accounts.ts";
import {
  authorizationUrl,
  discoverProject,
  exchangeCode,
  expiresSoon,
  GEMINI_SCOPES,
  refreshGeminiTokens,
} from "../providers/gemini/oauth.ts";
import { newPkceSession } from "../providers/pkce.ts";
import { type AccountSettings, addAccount } from "./accounts.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { accountResult, newAccountRoute } from "./new-account-route.ts";
import { startOauthSession, takeOauthSession } from "./oauth-session.ts";
import { consoleAccountBody, errorSchema, oauthAuthorizeResult } from "./schemas.ts";
import { accountView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];

const projectId = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .openapi({ description: "Google Cloud project for Code Assist; found with loadCodeAssist when absent" });

export const geminiApiAccountBody = consoleAccountBody.openapi("NewGeminiApiAccount");

const settingsBody = consoleAccountBody.omit({ apiKey: true });

export const geminiExchangeBody = settingsBody
  .extend({
    sessionId: z.string().min(1),
    code: z
      .string()
      .min(1)
      .max(4000)
      .openapi({ description: "The code Google's page shows after login (or the whole redirect URL)" }),
    projectId,
  })
  .openapi("GeminiOauthExchange");

export const geminiImportBody = settingsBody
  .extend({
    accessToken: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    expiresAt: z.number().optional().openapi({ description: "Access token expiry, epoch ms" }),
    projectId,
  })
  .refine((b) => b.accessToken || b.refreshToken, "give an accessToken or a refreshToken")
  .openapi("GeminiOauthImport");

const routes = {
  createApi: newAccountRoute(
    "/accounts/gemini-api",
    "Add a Gemini API-key account (optional custom base URL)",
    geminiApiAccountBody,
  ),
  authorize: createRoute({
    method: "post",
    path: "/accounts/gemini-oauth/authorize",
    tags,
    security,
    summary: "Start adding a Gemini OAuth account: open authUrl, log in, paste the code into /exchange",
    responses: { 200: jsonContent(oauthAuthorizeResult, "Authorization link") },
  }),
  exchange: createRoute({
    method: "post",
    path: "/accounts/gemini-oauth/exchange",
    tags,
    security,
    summary: "Finish adding a Gemini OAuth account with the pasted code",
    request: { body: { content: { "application/json": { schema: geminiExchangeBody } }, required: true } },
    responses: {
      201: jsonContent(accountResult, "Created"),
      400: jsonContent(errorSchema, "Unknown session, refused code, or no Code Assist project"),
    },
  }),
  import: createRoute({
    method: "post",
    path: "/accounts/gemini-oauth/import",
    tags,
    security,
    summary: "Add a Gemini OAuth account from an access and/or refresh token",
    request: { body: { content: { "application/json": { schema: geminiImportBody } }, required: true } },
    responses: {
      201: jsonContent(accountResult, "Created"),
      400: jsonContent(errorSchema, "Refused token, or no Code Assist project"),
    },
  }),
};

type Services = ReturnType<typeof services>;

/** The credentials with their Code Assist project: the one given, else the one Code Assist names. */
async function withProject(
  s: Services,
  settings: AccountSettings,
  credentials: OauthCredentials,
  given: string | undefined,
): Promise<OauthCredentials> {
  if (given) return { ...credentials, projectId: given };
  // Finding the project needs a live token.
  const live = expiresSoon(credentials, Date.now())
    ? await refreshGeminiTokens(s.config, credentials)
    : credentials;
  return { ...live, projectId: await discoverProject(s.config, settings.baseUrl ?? "", live.accessToken) };
}

export function registerGeminiAccounts(app: AdminApp) {
  app.openapi(routes.createApi, async (c) => {
    const { apiKey, ...settings } = c.req.valid("json");
    const record = await addAccount(c.env, "gemini-api", settings, { apiKey });
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.authorize, async (c) => {
    const s = services(c.env);
    const session = newPkceSession();
    const started = await startOauthSession(s, "gemini", session);
    return c.json({ ...started, authUrl: await authorizationUrl(s.config, session) }, 200);
  });

  app.openapi(routes.exchange, async (c) => {
    const s = services(c.env);
    const { sessionId, code, projectId: given, ...settings } = c.req.valid("json");
    const session = await takeOauthSession(s, "gemini", sessionId);
    const tokens = await exchangeCode(s.config, session, code);
    const credentials = await withProject(s, settings, tokens, given);
    const record = await addAccount(c.env, "gemini-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.import, async (c) => {
    const s = services(c.env);
    const { accessToken, refreshToken, expiresAt, projectId: given, ...settings } = c.req.valid("json");
    // Only a refresh token: get an access token now, so a bad token is refused here, not mid-request.
    const tokens: OauthCredentials = accessToken
      ? { accessToken, refreshToken, expiresAt: expiresAt ?? Date.now() + 3_600_000, scopes: GEMINI_SCOPES }
      : await refreshGeminiTokens(s.config, { accessToken: "none", refreshToken, expiresAt: 0, scopes: [] });
    const credentials = await withProject(s, settings, tokens, given);
    const record = await addAccount(c.env, "gemini-oauth", settings, credentials);
    return c.json({ account: accountView(record) }, 201);
  });
}
