// Adding Azure OpenAI accounts (endpoint, deployment, api-versions, api-key) and Droid
// (Factory.ai) accounts (API key, optional user agent). Changes go through PATCH /accounts/{id}.
import { z } from "@hono/zod-openapi";
import { type Env, services } from "../env.ts";
import type { AccountSettingsMap, OauthCredentials } from "../keyspace/records/accounts.ts";
import { azureAccountFields } from "../providers/azure/settings.ts";
import { refreshDroidTokens } from "../providers/droid/oauth.ts";
import { droidAccountFields } from "../providers/droid/settings.ts";
import { addAccount } from "./accounts.ts";
import type { AdminApp } from "./app.ts";
import { newAccountRoute } from "./new-account-route.ts";
import { consoleAccountBody } from "./schemas.ts";
import { accountView } from "./views.ts";

/**
 * A Factory login's tokens as stored: a refresh token alone is exchanged now, as the original
 * checks it on creation (a bad one is refused here rather than on the first request).
 */
async function droidOauthCredentials(
  env: Env,
  refreshToken: string | undefined,
  accessToken: string | undefined,
  expiresAt: number | undefined,
  organizationId: string | undefined,
): Promise<OauthCredentials> {
  if (accessToken) return { accessToken, refreshToken, expiresAt: expiresAt ?? 0, scopes: [] };
  return refreshDroidTokens(services(env).config, refreshToken, organizationId);
}

/** The settings every account takes (name, priority, models, …); Droid and Azure map no models. */
const shared = consoleAccountBody.omit({ apiKey: true, modelMapping: true }).shape;

const azureAccountBody = z
  .object({ ...shared, ...azureAccountFields })
  .omit({ baseUrl: true })
  .strict()
  .openapi("NewAzureOpenaiAccount");

const droidAccountBody = z
  .object({ ...shared, ...droidAccountFields })
  .strict()
  .refine((b) => (b.apiKey === undefined) !== (b.refreshToken === undefined && b.accessToken === undefined), {
    message: "give an apiKey, or a refreshToken (and optionally its accessToken), not both",
  })
  .openapi("NewDroidAccount");

const routes = {
  createAzure: newAccountRoute(
    "/accounts/azure-openai",
    "Add an Azure OpenAI account: endpoint (stored as baseUrl), deployment, api-versions, api-key; served at /azure",
    azureAccountBody,
  ),
  createDroid: newAccountRoute(
    "/accounts/droid",
    "Add a Droid (Factory.ai) account with its API key; served at /droid (baseUrl: Factory's LLM API by default)",
    droidAccountBody,
  ),
};

export function registerAzureDroidAccounts(app: AdminApp) {
  app.openapi(routes.createAzure, async (c) => {
    const { apiKey, endpoint, deployment, apiVersion, responsesApiVersion, ...common } = c.req.valid("json");
    const settings = {
      deployment,
      ...(apiVersion ? { apiVersion } : {}),
      ...(responsesApiVersion ? { responsesApiVersion } : {}),
    };
    const record = await addAccount(
      c.env,
      "azure-openai",
      { ...common, baseUrl: endpoint, settings },
      { apiKey },
    );
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.createDroid, async (c) => {
    const { apiKey, refreshToken, accessToken, expiresAt, userAgent, organizationId, ...common } =
      c.req.valid("json");
    const settings: AccountSettingsMap = {
      ...(userAgent ? { userAgent } : {}),
      ...(organizationId ? { organizationId } : {}),
    };
    const credentials = apiKey
      ? { apiKey }
      : await droidOauthCredentials(c.env, refreshToken, accessToken, expiresAt, organizationId);
    const record = await addAccount(c.env, "droid", { ...common, settings }, credentials);
    return c.json({ account: accountView(record) }, 201);
  });
}
