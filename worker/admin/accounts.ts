import { createRoute, z } from "@hono/zod-openapi";
import { type Env, services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { seal } from "../keyspace/crypto.ts";
import {
  type AccountRecord,
  type AccountSettingsMap,
  type AccountType,
  poolNameOf,
} from "../keyspace/records/accounts.ts";
import { accountKind } from "../providers/account-types.ts";
import { sealProxy } from "../proxy/sealed.ts";
import { accountsChanged, poolOf } from "../relay/schedule.ts";
import { accountHealth } from "./account-health.ts";
import { mergedSettings } from "./account-settings.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { accountResult, newAccountRoute } from "./new-account-route.ts";
import {
  accountHealthSchema,
  accountViewSchema,
  consoleAccountBody,
  errorSchema,
  idParam,
  updateAccountBody,
} from "./schemas.ts";
import { accountView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];
const notFound = jsonContent(errorSchema, "No such account");

const routes = {
  list: createRoute({
    method: "get",
    path: "/accounts",
    tags,
    security,
    summary: "List upstream accounts (never their credentials)",
    responses: {
      200: jsonContent(
        z.object({ accounts: z.array(accountViewSchema.extend({ health: accountHealthSchema })) }),
        "Accounts",
      ),
    },
  }),
  createConsole: newAccountRoute(
    "/accounts/claude-console",
    "Add a Claude Console account (API key, optional custom base URL)",
    consoleAccountBody,
  ),
  resetStatus: createRoute({
    method: "post",
    path: "/accounts/{id}/reset-status",
    tags,
    security,
    summary: "Clear an account's rate-limited / overloaded / unauthorized state",
    request: { params: idParam },
    responses: { 200: jsonContent(accountResult, "Account"), 404: notFound },
  }),
  update: createRoute({
    method: "patch",
    path: "/accounts/{id}",
    tags,
    security,
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: updateAccountBody } }, required: true },
    },
    responses: { 200: jsonContent(accountResult, "Account"), 404: notFound },
  }),
  remove: createRoute({
    method: "delete",
    path: "/accounts/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(z.object({ deleted: z.literal(true) }), "Deleted"), 404: notFound },
  }),
};

/**
 * Seals an account's credentials, checked against what its kind holds (account-types.ts): an
 * envelope the relay could not read back never reaches the keyspace.
 */
export async function sealCredentials(env: Env, type: AccountType, credentials: unknown): Promise<string> {
  const checked = accountKind(type).credentials.safeParse(credentials);
  if (!checked.success)
    throw new RelayError("invalid_request", `credentials: not what a ${type} account holds`);
  const [current] = await services(env).sealingKeys;
  if (!current) throw new Error("no encryption key configured");
  return seal(current, JSON.stringify(checked.data));
}

/** An egress proxy URL as the record keeps it: where in clear, the whole URL sealed. */
async function sealAccountProxy(env: Env, url: string) {
  const [current] = await services(env).sealingKeys;
  if (!current) throw new Error("no encryption key configured");
  return sealProxy(current, url);
}

/** Settings every account type shares, as the admin sends them. */
export interface AccountSettings {
  name: string;
  description?: string;
  baseUrl?: string;
  priority?: number;
  schedulable?: boolean;
  shared?: boolean;
  concurrencyLimit?: number;
  models?: string[];
  allowOtherClients?: boolean;
  stopAt5hPercent?: number;
  dailyCostLimitUsd?: number;
  subscriptionExpiresAt?: string | null;
  balanceUsd?: number | null;
  balanceAlertUsd?: number;
  stopAtZeroBalance?: boolean;
  /** An egress proxy URL (worker/proxy/), sealed on the record; null or "": none. */
  proxy?: string | null;
  /** Claude Console, OpenAI and Gemini accounts: stored in `settings` (relay/model-mapping.ts). */
  modelMapping?: Record<string, string>;
  /** Type-specific settings, already validated for the type (see account-settings.ts). */
  settings?: AccountSettingsMap;
}

/** The record's `settings`: the type's own, with a model mapping given on creation. */
function settingsOf({ settings, modelMapping }: AccountSettings): AccountSettingsMap | undefined {
  const merged: AccountSettingsMap = { ...settings };
  if (modelMapping && Object.keys(modelMapping).length > 0) merged.modelMapping = modelMapping;
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export async function addAccount(
  env: Env,
  type: AccountRecord["type"],
  settings: AccountSettings,
  credentials: unknown,
): Promise<AccountRecord> {
  const now = new Date().toISOString();
  const typeSettings = settingsOf(settings);
  const record: AccountRecord = {
    v: 1,
    id: crypto.randomUUID(),
    type,
    platform: accountKind(type).platform,
    name: settings.name,
    description: settings.description ?? "",
    baseUrl: settings.baseUrl ?? "",
    priority: settings.priority ?? 50,
    schedulable: settings.schedulable ?? true,
    shared: settings.shared ?? true,
    isActive: true,
    concurrencyLimit: settings.concurrencyLimit ?? 0,
    models: settings.models ?? [],
    allowOtherClients: settings.allowOtherClients ?? false,
    stopAt5hPercent: settings.stopAt5hPercent ?? 0,
    dailyCostLimitUsd: settings.dailyCostLimitUsd ?? 0,
    subscriptionExpiresAt: settings.subscriptionExpiresAt ?? null,
    balanceUsd: settings.balanceUsd ?? null,
    balanceSetAt: settings.balanceUsd === undefined || settings.balanceUsd === null ? null : now,
    balanceAlertUsd: settings.balanceAlertUsd ?? 0,
    stopAtZeroBalance: settings.stopAtZeroBalance ?? false,
    ...(typeSettings ? { settings: typeSettings } : {}),
    credentials: await sealCredentials(env, type, credentials),
    ...(settings.proxy ? { proxy: await sealAccountProxy(env, settings.proxy) } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await saveAccount(env, record);
  return record;
}

async function saveAccount(env: Env, record: AccountRecord): Promise<void> {
  await services(env).keyspace.putAccount(record);
  await accountsChanged(env, services(env), poolNameOf(record));
}

export function registerAccounts(app: AdminApp) {
  app.openapi(routes.list, async (c) => {
    const s = services(c.env);
    const records = await s.keyspace.listAccounts();
    const pools = [...new Set(records.map(poolNameOf))];
    const states = (await Promise.all(pools.map((p) => poolOf(c.env, s, p).status(p)))).flat();
    const stateOf = new Map(states.map((state) => [state.accountId, state]));
    const accounts = records.map((record) => ({
      ...accountView(record),
      health: accountHealth(stateOf.get(record.id)),
    }));
    return c.json({ accounts }, 200);
  });

  app.openapi(routes.resetStatus, async (c) => {
    const { id } = c.req.valid("param");
    const record = await services(c.env).keyspace.getAccount(id);
    if (!record) throw new RelayError("not_found", `No account ${id}`);
    await accountsChanged(c.env, services(c.env), poolNameOf(record), record.id);
    return c.json({ account: accountView(record) }, 200);
  });

  app.openapi(routes.createConsole, async (c) => {
    const { apiKey, ...settings } = c.req.valid("json");
    const record = await addAccount(c.env, "claude-console", settings, { apiKey });
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid("param");
    const record = await services(c.env).keyspace.getAccount(id);
    if (!record) throw new RelayError("not_found", `No account ${id}`);
    const { apiKey, settings, proxy, ...changes } = c.req.valid("json");
    if (apiKey && !accountKind(record.type).takesApiKey) {
      throw new RelayError("invalid_request", "apiKey: this account signs in with OAuth, not an API key");
    }
    const now = new Date().toISOString();
    const updated: AccountRecord = {
      ...record,
      ...changes,
      // A new balance (a figure read off the provider's console) starts its drawdown afresh from
      // now; the form sending back the stored one changes nothing.
      ...(changes.balanceUsd !== undefined && changes.balanceUsd !== record.balanceUsd
        ? { balanceSetAt: changes.balanceUsd === null ? null : now }
        : {}),
      ...(settings ? { settings: mergedSettings(record, settings) } : {}),
      credentials: apiKey ? await sealCredentials(c.env, record.type, { apiKey }) : record.credentials,
      proxy: proxy === undefined ? record.proxy : proxy ? await sealAccountProxy(c.env, proxy) : undefined,
      updatedAt: new Date().toISOString(),
    };
    if (updated.type === "azure-openai" && updated.baseUrl === "")
      throw new RelayError("invalid_request", "baseUrl: an Azure OpenAI account needs its endpoint");
    await saveAccount(c.env, updated);
    return c.json({ account: accountView(updated) }, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid("param");
    const record = await services(c.env).keyspace.getAccount(id);
    if (!record) throw new RelayError("not_found", `No account ${id}`);
    await services(c.env).keyspace.deleteAccount(id);
    // Its scheduled test and test history go with it.
    await services(c.env).keyspace.accountTests.forget(id);
    await accountsChanged(c.env, services(c.env), poolNameOf(record));
    return c.json({ deleted: true as const }, 200);
  });
}
