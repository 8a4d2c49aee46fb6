// Request and response bodies of the admin API; the OpenAPI document is generated from these.
import { z } from "@hono/zod-openapi";
import { accountRecordSchema } from "../keyspace/records/accounts.ts";
import { isoDate } from "../keyspace/records/common.ts";
import { expirySchema, keyLimitChanges, relayKeyRecordSchema } from "../keyspace/records/relay-keys.ts";
import { modelMappingSetting } from "../providers/settings.ts";
import { proxyUrlSchema } from "../proxy/config.ts";

export const errorSchema = z
  .object({ error: z.object({ type: z.string(), message: z.string() }) })
  .openapi("Error");

export const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const loginBody = z
  .object({ username: z.string().min(1).max(200), password: z.string().min(1).max(500) })
  .openapi("Login");
export const loginResult = z.object({ token: z.string(), expiresAt: z.string() }).openapi("LoginResult");

export const keyViewSchema = relayKeyRecordSchema.omit({ hash: true, v: true }).openapi("RelayKey");
export const accountViewSchema = accountRecordSchema
  .omit({ credentials: true, v: true, proxy: true })
  .extend({
    proxy: z
      .object({ type: z.enum(["http", "https", "socks5"]), host: z.string(), port: z.number() })
      .nullable()
      .openapi({
        description: "The egress proxy its upstream calls go through (never its credentials); null: direct",
      }),
  })
  .openapi("Account");

// Only the limits named change: no defaults may fill in the others.
const partialLimits = keyLimitChanges;

export const createKeyBody = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    tags: z.array(z.string().min(1).max(50)).max(50).optional(),
    expiry: expirySchema.optional(),
    limits: partialLimits.optional(),
    /** Per platform: an account id or `group:<id>`; "" unbinds. Checked in groups.ts. */
    boundAccounts: z.record(z.string(), z.string().max(200)).optional(),
  })
  .strict()
  .openapi("NewRelayKey");

export const updateKeyBody = createKeyBody
  .partial()
  .extend({ isActive: z.boolean().optional() })
  .strict()
  .openapi("RelayKeyChanges");

export const createdKey = z
  .object({
    key: keyViewSchema,
    secret: z.string().openapi({ description: "The relay key; shown only once" }),
  })
  .openapi("CreatedRelayKey");

const accountSettings = {
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  baseUrl: z.url().or(z.literal("")).optional(),
  priority: z.number().int().min(1).max(100).optional(),
  schedulable: z.boolean().optional(),
  shared: z.boolean().optional().openapi({
    description: "In the shared pool (default); false: serves only keys bound to it or its groups",
  }),
  concurrencyLimit: z.number().int().min(0).max(10_000).optional(),
  models: z.array(z.string().min(1)).max(200).optional(),
  allowOtherClients: z.boolean().optional().openapi({
    description:
      "Claude OAuth (subscription) accounts only; ignored by other types. Default false: the account serves the real Claude Code only, and other clients (SDKs, chat completions, curl) go to API-key accounts. true: other clients may use it too, though Anthropic may refuse them or bill them as extra usage",
  }),
  stopAt5hPercent: z.number().min(0).max(100).optional().openapi({
    description:
      "Stop scheduling the account while its 5-hour usage window (read from the upstream's rate-limit headers) is at or above this percentage, until the window resets; 0 (default) never stops",
  }),
  dailyCostLimitUsd: z.number().min(0).max(1_000_000).optional().openapi({
    description:
      "Stop scheduling the account once it has served this much (USD, at the relay's prices) today, until the next day in TIMEZONE_OFFSET_HOURS; 0 (default) is no quota",
  }),
  proxy: proxyUrlSchema.nullable().optional().openapi({
    description:
      'An egress proxy for this account\'s upstream calls: socks5://user:pass@host:port, http://user:pass@host:port (CONNECT) or https://… (CONNECT over TLS to the proxy; http upstreams only). Stored encrypted; shown back as type, host and port only. null or "" removes it',
    example: "socks5://user:pass@203.0.113.7:1080",
  }),
  balanceUsd: z.number().min(-1_000_000).max(1_000_000_000).nullable().optional().openapi({
    description:
      "What is left on the account now (prepaid credit, USD), as read off the provider's console: the relay draws it down by the cost the account serves from now on; setting a different figure restarts the count from then; null (default) keeps no balance",
  }),
  balanceAlertUsd: z.number().min(0).max(1_000_000_000).optional().openapi({
    description:
      "A webhook event (account.balance_low) when what is left falls below this (USD); 0 (default) none",
  }),
  stopAtZeroBalance: z.boolean().optional().openapi({
    description: "Stop scheduling the account once nothing is left of its balance (default false)",
  }),
  subscriptionExpiresAt: isoDate.nullable().optional().openapi({
    description:
      "When the account's subscription ends (ISO 8601 with offset): it is not scheduled from then on; null (default) never ends",
  }),
};

/** Claude Console, OpenAI and Gemini accounts (relay/model-mapping.ts); Bedrock has its own. */
const modelMappingField = {
  modelMapping: modelMappingSetting.optional().openapi({
    description:
      "Client model → the model sent upstream for this account (exact name, else equal but for case); other models pass unchanged. Claude Console, OpenAI and Gemini accounts; later changed through `settings.modelMapping`",
    example: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" },
  }),
};

export const consoleAccountBody = z
  .object({ ...accountSettings, ...modelMappingField, apiKey: z.string().min(1).max(500) })
  .strict()
  .openapi("NewConsoleAccount");

export const oauthAuthorizeResult = z
  .object({ sessionId: z.string(), authUrl: z.string(), expiresAt: z.string() })
  .openapi("OauthAuthorization");

export const oauthExchangeBody = z
  .object({
    ...accountSettings,
    sessionId: z.string().min(1),
    code: z
      .string()
      .min(1)
      .max(2000)
      .openapi({ description: "The code shown by Claude's callback page (code#state)" }),
  })
  .strict()
  .openapi("OauthExchange");

export const oauthImportBody = z
  .object({
    ...accountSettings,
    accessToken: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    expiresAt: z.number().optional().openapi({ description: "Access token expiry, epoch ms" }),
    setupToken: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: "A long-lived token from `claude setup-token`" }),
  })
  .strict()
  .refine(
    (b) => b.setupToken || b.accessToken || b.refreshToken,
    "give a setupToken, an accessToken or a refreshToken",
  )
  .openapi("OauthImport");

const usageWindowSchema = z
  .object({
    utilization: z.number().openapi({ description: "0..1 of the window used" }),
    resetAt: z.string().nullable().openapi({ description: "When the window resets (null: not stated)" }),
    status: z
      .string()
      .nullable()
      .openapi({ description: "The upstream's word: allowed, allowed_warning, rejected (null: not stated)" }),
  })
  .openapi("UsageWindow");

const usageWindowsSchema = z
  .object({
    at: z.string().openapi({ description: "When the answer they were read from arrived" }),
    fiveHour: usageWindowSchema.optional(),
    sevenDay: usageWindowSchema.optional(),
    sevenDayOpus: usageWindowSchema.optional(),
    sevenDaySonnet: usageWindowSchema.optional(),
  })
  .openapi("UsageWindows", {
    description:
      "An account's latest usage windows (5 hours, 7 days, 7 days of Opus / Sonnet) as its upstream stated them",
  });

export const accountHealthSchema = z
  .object({
    status: z.enum(["active", "rate-limited", "overloaded", "unauthorized", "error", "blocked"]),
    until: z.string().nullable(),
    activeLeases: z.number(),
    lastUsedAt: z.string().nullable(),
    /** The latest usage windows read off the account's answers (Claude OAuth accounts); null: none read yet. */
    windows: usageWindowsSchema.nullable(),
    familyParks: z.array(z.object({ family: z.string(), until: z.string() })).openapi({
      description:
        "Model families (opus, sonnet, haiku…) refused by the upstream's rate limit until `until`, while the account serves the others",
    }),
    balanceLeftUsd: z.number().nullable().openapi({
      description:
        "What is left of the balance the operator set (balanceUsd), less the cost the account served since; null: it keeps no balance",
    }),
    costTodayUsd: z.number().openapi({
      description:
        "What the account has served today (TIMEZONE_OFFSET_HOURS day), USD, for its daily cost limit",
    }),
    stopped: z
      .object({
        reason: z.enum(["window", "daily-cost", "expired", "balance"]),
        until: z.string().nullable(),
      })
      .nullable()
      .openapi({
        description:
          "Why an otherwise healthy account is not scheduled by its own options: its 5-hour window above stopAt5hPercent, its daily cost limit spent, its subscription ended, its balance spent with stopAtZeroBalance (until: when it resumes, null: not by itself); null: it is scheduled",
      }),
  })
  .openapi("AccountHealth");

export const updateAccountBody = consoleAccountBody
  .omit({ modelMapping: true })
  .partial()
  .extend({
    isActive: z.boolean().optional(),
    settings: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "Type-specific settings merged into the stored ones (null removes one): Azure deployment, apiVersion, responsesApiVersion; Droid userAgent; Bedrock region, modelMapping, defaultModel; Claude Console, OpenAI and Gemini modelMapping (client model → the model sent upstream for this account)",
    }),
  })
  .strict()
  .openapi("AccountChanges");

export const statusSchema = z
  .object({
    version: z.string(),
    time: z.string(),
    keyspace: z.object({ ok: z.boolean(), latencyMs: z.number() }),
    keys: z.object({ total: z.number(), active: z.number() }),
    accounts: z.object({ total: z.number(), active: z.number() }),
  })
  .openapi("Status");
