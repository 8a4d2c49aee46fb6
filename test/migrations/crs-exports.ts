// The original's two JSON exports, generated from the fixture keyspace (crs-fixture.ts) as its own
// code writes them (CRS-REFERENCE §9):
//  - `data:export:enhanced` (scripts/data-transfer-enhanced.js, version 2.0, decrypted): relay keys
//    with their usageStats ({total, daily, monthly, hourly, models}, and from the exporter that
//    carries costs `costTotal`, `costDaily` {date: USD}, `costMonthly` {month: USD}, as its GETs
//    return them: strings), Claude OAuth and Gemini accounts with secrets in clear and the OAuth
//    bundles as objects, admins, globalModelStats. (The real exporter lists keys with KEYS and dies
//    on the index keys of other types; this one reads the hashes it meant to.) `withCosts: false`
//    gives the older exporter's file, without the cost fields.
//  - `GET /admin/sync/export-accounts?include_secrets=true` (src/routes/admin/sync.js): Claude OAuth,
//    Console, OpenAI OAuth and Responses accounts, decrypted, as {kind, id, …, credentials, extra}.
import type Redis from "ioredis";
import { crsDecrypt } from "./crs-fixture.ts";

type Obj = Record<string, unknown>;

async function hashesOf(redis: Redis, pattern: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (const key of (await redis.keys(pattern)).sort()) {
    if ((await redis.type(key)) !== "hash") continue;
    const fields = await redis.hgetall(key);
    if (fields.id) out.push(fields);
  }
  return out;
}

async function byPattern(redis: Redis, pattern: string, match: RegExp): Promise<[RegExpExecArray, Obj][]> {
  const out: [RegExpExecArray, Obj][] = [];
  for (const key of await redis.keys(pattern)) {
    const m = match.exec(key);
    if (m && (await redis.type(key)) === "hash") out.push([m, await redis.hgetall(key)]);
  }
  return out;
}

async function costsOf(redis: Redis, keyId: string): Promise<Obj> {
  const costs: Obj = {};
  const total = await redis.get(`usage:cost:total:${keyId}`);
  if (total !== null) costs.costTotal = total;
  for (const [kind, field] of [
    ["daily", "costDaily"],
    ["monthly", "costMonthly"],
  ] as const) {
    const prefix = `usage:cost:${kind}:${keyId}:`;
    const periods: Obj = {};
    for (const key of (await redis.keys(`${prefix}*`)).sort())
      periods[key.slice(prefix.length)] = await redis.get(key);
    costs[field] = periods;
  }
  return costs;
}

async function usageStatsOf(redis: Redis, keyId: string, withCosts: boolean): Promise<Obj> {
  const stats: Record<string, Obj> = { total: {}, daily: {}, monthly: {}, hourly: {}, models: {} };
  stats.total = await redis.hgetall(`usage:${keyId}`);
  for (const kind of ["daily", "monthly", "hourly"] as const) {
    const prefix = `usage:${kind}:${keyId}:`;
    for (const key of await redis.keys(`${prefix}*`))
      (stats[kind] as Obj)[key.slice(prefix.length)] = await redis.hgetall(key);
  }
  const models = stats.models as Record<string, { daily: Obj; monthly: Obj }>;
  for (const kind of ["daily", "monthly"] as const)
    for (const [m, data] of await byPattern(
      redis,
      `usage:${keyId}:model:${kind}:*`,
      /^usage:.+:model:(?:daily|monthly):(.+):(\d{4}-\d{2}(?:-\d{2})?)$/,
    )) {
      const [, model = "", stamp = ""] = m;
      models[model] ??= { daily: {}, monthly: {} };
      models[model][kind][stamp] = data;
    }
  return withCosts ? { ...stats, ...(await costsOf(redis, keyId)) } : stats;
}

export async function enhancedExportOf(redis: Redis, options: { withCosts?: boolean } = {}): Promise<Obj> {
  const apiKeys: Obj[] = [];
  for (const key of await hashesOf(redis, "apikey:*"))
    apiKeys.push({ ...key, usageStats: await usageStatsOf(redis, key.id ?? "", options.withCosts ?? true) });
  const claudeAccounts = (await hashesOf(redis, "claude:account:*")).map((a) => {
    const out: Obj = { ...a };
    for (const field of ["email", "password", "accessToken", "refreshToken"])
      if (a[field]) out[field] = crsDecrypt(a[field], "salt");
    if (a.claudeAiOauth) out.claudeAiOauth = JSON.parse(crsDecrypt(a.claudeAiOauth, "salt"));
    return out;
  });
  const geminiAccounts = (await hashesOf(redis, "gemini_account:*")).map((a) => {
    const out: Obj = { ...a };
    for (const field of ["accessToken", "refreshToken"])
      if (a[field]) out[field] = crsDecrypt(a[field], "gemini-account-salt");
    if (a.geminiOauth) out.geminiOauth = JSON.parse(crsDecrypt(a.geminiOauth, "gemini-account-salt"));
    return out;
  });
  const globalModelStats: Record<string, Record<string, Obj>> = { daily: {}, monthly: {}, hourly: {} };
  for (const kind of ["daily", "monthly", "hourly"] as const)
    for (const [m, data] of await byPattern(
      redis,
      `usage:model:${kind}:*`,
      /^usage:model:(?:daily|monthly|hourly):(.+):(\d{4}-\d{2}(?:-\d{2})?(?::\d{2})?)$/,
    )) {
      const [, model = "", stamp = ""] = m;
      const period = globalModelStats[kind] ?? {};
      period[stamp] = { ...(period[stamp] ?? {}), [model]: data };
      globalModelStats[kind] = period;
    }
  return {
    metadata: {
      version: "2.0",
      exportDate: new Date().toISOString(),
      sanitized: false,
      decrypted: true,
      types: ["all"],
    },
    data: { apiKeys, claudeAccounts, geminiAccounts, admins: [], globalModelStats },
  };
}

const SALTS = {
  console: "claude-console-salt",
  openai: "openai-account-salt",
} as const;

function decryptOrAsIs(value: string | undefined, salt: string): string {
  try {
    return crsDecrypt(value ?? "", salt);
  } catch {
    return value ?? ""; // the original's decrypt gives the stored value back when it fails
  }
}

function common(a: Record<string, string>, kind: string, platform: string): Obj {
  return {
    kind,
    id: a.id,
    name: a.name,
    description: a.description || "",
    platform: a.platform || platform,
    isActive: a.isActive === "true",
    schedulable: a.schedulable !== "false",
    priority: Number.parseInt(a.priority ?? "", 10) || 50,
    status: a.status || "active",
    proxy: null,
    extra: { crs_account_id: a.id, crs_kind: kind },
  };
}

export async function syncExportOf(redis: Redis): Promise<Obj> {
  const claudeAccounts = (await hashesOf(redis, "claude:account:*")).map((a) => {
    const scopes = (a.scopes ?? "").split(" ").filter(Boolean);
    return {
      ...common(a, "claude-account", "claude"),
      authType: "oauth",
      credentials: {
        access_token: crsDecrypt(a.accessToken ?? "", "salt"),
        refresh_token: crsDecrypt(a.refreshToken ?? "", "salt") || undefined,
        expires_at: new Date(Number(a.expiresAt)).toISOString(),
        scope: scopes.join(" "),
        token_type: "Bearer",
      },
      extra: { crs_account_id: a.id, crs_kind: "claude-account", crs_subscription_info: a.subscriptionInfo },
    };
  });
  const claudeConsoleAccounts = (await hashesOf(redis, "claude_console_account:*")).map((a) => {
    const models: unknown = a.supportedModels ? JSON.parse(a.supportedModels) : null;
    const mapping = Array.isArray(models)
      ? Object.fromEntries(models.map((m) => [m, m]))
      : models && typeof models === "object"
        ? models
        : {};
    return {
      ...common(a, "claude-console-account", "claude-console"),
      maxConcurrentTasks: Number.parseInt(a.maxConcurrentTasks ?? "", 10) || 0,
      credentials: {
        api_key: decryptOrAsIs(a.apiKey, SALTS.console),
        base_url: a.apiUrl,
        ...(Object.keys(mapping).length > 0 ? { model_mapping: mapping } : {}),
        ...(a.userAgent ? { user_agent: a.userAgent } : {}),
      },
    };
  });
  const openaiOAuthAccounts = (await hashesOf(redis, "openai:account:*")).map((a) => ({
    ...common(a, "openai-oauth-account", "openai"),
    authType: "oauth",
    credentials: {
      access_token: crsDecrypt(a.accessToken ?? "", SALTS.openai),
      // Left as stored: the original's route passes this one through without decrypting it.
      refresh_token: a.refreshToken || undefined,
      expires_at: a.expiresAt,
      token_type: "Bearer",
      chatgpt_account_id: a.accountId,
      chatgpt_user_id: a.chatgptUserId,
    },
  }));
  const openaiResponsesAccounts = (await hashesOf(redis, "openai_responses_account:*")).map((a) => ({
    ...common(a, "openai-responses-account", "openai-responses"),
    credentials: {
      api_key: a.apiKey,
      base_url: a.baseApi,
      ...(a.userAgent ? { user_agent: a.userAgent } : {}),
    },
  }));
  return {
    success: true,
    data: {
      exportedAt: new Date().toISOString(),
      claudeAccounts,
      claudeConsoleAccounts,
      openaiOAuthAccounts,
      openaiResponsesAccounts,
    },
  };
}
