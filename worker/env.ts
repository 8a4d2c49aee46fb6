// The Worker's bindings, validated once per isolate: a missing or malformed secret is a clear 503
// and a log line naming it (and GET /health says which), not an undefined deep in a request.
import { z } from "zod";
import type { AccountPool } from "../durable-objects/account-pool/index.ts";
import type { BillingOutbox } from "../durable-objects/billing-outbox/index.ts";
import type { KeyGate } from "../durable-objects/key-gate/index.ts";
import type { Notifier } from "../durable-objects/notifier/index.ts";
import { RelayError } from "./http/errors.ts";
import { log } from "./http/log.ts";
import { importSealingKey, isSealingKeySecret, type SealingKey } from "./keyspace/crypto.ts";
import type { BillingEvent } from "./keyspace/records/billing.ts";
import { Keyspace } from "./keyspace/store.ts";

export interface Env {
  KEY_GATE: DurableObjectNamespace<KeyGate>;
  ACCOUNT_POOL: DurableObjectNamespace<AccountPool>;
  /** Webhook delivery (one object): events queued durably, sent by its alarm with retries. */
  NOTIFIER: DurableObjectNamespace<Notifier>;
  /** Billing events to the HTTP sink (one object): batches stored, POSTed by its alarm with retries. */
  BILLING_OUTBOX: DurableObjectNamespace<BillingOutbox>;
  /** Optional Queue producer: when bound, billing events go here (at least once) instead of HTTP. */
  BILLING_QUEUE?: Queue<BillingEvent>;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  KEY_HASH_SECRET: string;
  ENCRYPTION_KEY: string;
  ENCRYPTION_KEY_PREVIOUS?: string;
  JWT_SECRET: string;
  MAX_BODY_BYTES?: string;
  TIMEZONE_OFFSET_HOURS?: string;
  ADMIN_SESSION_SECONDS?: string;
  /** How long a portal user's login (POST /users/login) lasts. */
  USER_SESSION_SECONDS?: string;
  KEY_CACHE_SECONDS?: string;
  /** How long a concurrency lease lives unless renewed (a Worker that dies frees it after this). */
  LEASE_TTL_SECONDS?: string;
  STICKY_SESSION_TTL_HOURS?: string;
  /** Renew a sticky mapping to its full TTL when less than this is left (0 = never, as the original). */
  STICKY_SESSION_RENEWAL_THRESHOLD_MINUTES?: string;
  /** How long a 529 (overloaded) parks an account. */
  CLAUDE_OVERLOAD_HANDLING_MINUTES?: string;
  /** "true": the relay answers Claude Code's warm-up and title requests itself (the original's interceptWarmup). */
  CLAUDE_INTERCEPT_WARMUP?: string;
  /** Where account pools live (e.g. "wnam", "enam"): near the upstream providers. */
  POOL_LOCATION_HINT?: string;
  CLAUDE_OAUTH_TOKEN_URL?: string;
  CLAUDE_OAUTH_AUTHORIZE_URL?: string;
  CLAUDE_OAUTH_CLIENT_ID?: string;
  CLAUDE_OAUTH_REDIRECT_URI?: string;
  /** How long an upstream may take to send its response headers (the body may take longer). */
  UPSTREAM_TIMEOUT_SECONDS?: string;
  /** "false" turns off the one log line per request. */
  LOG_REQUESTS?: string;
  /** Where the cron fetches the LiteLLM price table from. */
  PRICING_URL?: string;
  /** Default upstream for Claude accounts without a base URL. */
  ANTHROPIC_API_BASE?: string;
  /** Default upstream for Gemini API-key accounts without a base URL. */
  GEMINI_API_BASE?: string;
  /** Default upstream for Gemini OAuth accounts (Google Code Assist, `/v1internal:…`). */
  CODE_ASSIST_API_BASE?: string;
  GEMINI_OAUTH_TOKEN_URL?: string;
  GEMINI_OAUTH_AUTHORIZE_URL?: string;
  GEMINI_OAUTH_CLIENT_ID?: string;
  /** Secret (optional): the Gemini CLI's installed-app client secret, needed for code exchange and refresh. */
  GEMINI_OAUTH_CLIENT_SECRET?: string;
  GEMINI_OAUTH_REDIRECT_URI?: string;
  /** Bearer token for GET /metrics (secret, optional: without it only admin JWTs may scrape). */
  METRICS_TOKEN?: string;
  /**
   * Secret (optional): the ENCRYPTION_KEY of a Claude Relay Service this relay imported keys from
   * (migrations/crs); with it, imported keys keep working until their first use upgrades them.
   */
  CRS_ENCRYPTION_KEY?: string;
  /** Default upstream for OpenAI API-key accounts without a base URL. */
  OPENAI_API_BASE?: string;
  /** Default upstream for ChatGPT (Codex) OAuth accounts: `{base}/responses`. */
  CHATGPT_CODEX_BASE?: string;
  OPENAI_OAUTH_TOKEN_URL?: string;
  OPENAI_OAUTH_AUTHORIZE_URL?: string;
  OPENAI_OAUTH_CLIENT_ID?: string;
  OPENAI_OAUTH_REDIRECT_URI?: string;
  /** Droid OAuth accounts: WorkOS token endpoint and Factory CLI client id (refresh only). */
  DROID_OAUTH_TOKEN_URL?: string;
  DROID_OAUTH_CLIENT_ID?: string;
  /** Origins (comma-separated) of the admin dashboard when it is served elsewhere (Cloudflare Pages): CORS. */
  ADMIN_UI_ORIGIN?: string;
  /** The built admin dashboard (admin-ui/dist), when the Worker serves it itself (wrangler `assets`). */
  ASSETS?: Fetcher;
}

const configSchema = z.object({
  UPSTASH_REDIS_REST_URL: z.url(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  KEY_HASH_SECRET: z.string().min(16),
  ENCRYPTION_KEY: z.string().refine(isSealingKeySecret, "must be 32 bytes: 64 hex characters or base64"),
  ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .refine(isSealingKeySecret, "must be 32 bytes: 64 hex characters or base64")
    .optional(),
  JWT_SECRET: z.string().min(16),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  TIMEZONE_OFFSET_HOURS: z.coerce.number().min(-12).max(14).default(8),
  ADMIN_SESSION_SECONDS: z.coerce.number().int().positive().default(86_400),
  USER_SESSION_SECONDS: z.coerce.number().int().positive().default(86_400),
  KEY_CACHE_SECONDS: z.coerce.number().min(0).default(30),
  LEASE_TTL_SECONDS: z.coerce.number().min(1).default(300),
  UPSTREAM_TIMEOUT_SECONDS: z.coerce.number().min(1).default(300),
  POOL_LOCATION_HINT: z.enum(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]).optional(),
  ANTHROPIC_API_BASE: z.url().default("https://api.anthropic.com"),
  CLAUDE_INTERCEPT_WARMUP: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  // Gemini: API-key accounts (Generative Language API) and OAuth accounts (Code Assist), with the
  // Gemini CLI's public OAuth client as the original uses it; its secret comes from the environment.
  GEMINI_API_BASE: z.url().default("https://generativelanguage.googleapis.com"),
  CODE_ASSIST_API_BASE: z.url().default("https://cloudcode-pa.googleapis.com"),
  GEMINI_OAUTH_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
  GEMINI_OAUTH_AUTHORIZE_URL: z.url().default("https://accounts.google.com/o/oauth2/v2/auth"),
  GEMINI_OAUTH_CLIENT_ID: z
    .string()
    .default("681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"),
  GEMINI_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  GEMINI_OAUTH_REDIRECT_URI: z.url().default("https://codeassist.google.com/authcode"),
  PRICING_URL: z
    .url()
    .default("https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"),
  // Claude OAuth, as the original uses it (CRS-REFERENCE §7); configurable so tests use a fake.
  CLAUDE_OAUTH_TOKEN_URL: z.url().default("https://platform.claude.com/v1/oauth/token"),
  CLAUDE_OAUTH_AUTHORIZE_URL: z.url().default("https://claude.ai/oauth/authorize"),
  CLAUDE_OAUTH_CLIENT_ID: z.string().default("9d1c250a-e61b-44d9-88ed-5944d1962f5e"),
  CLAUDE_OAUTH_REDIRECT_URI: z.url().default("https://platform.claude.com/oauth/code/callback"),
  METRICS_TOKEN: z.string().min(16).optional(),
  CRS_ENCRYPTION_KEY: z.string().min(1).optional(),
  // OpenAI: API-key accounts, and ChatGPT (Codex) OAuth accounts as the original relays them.
  OPENAI_API_BASE: z.url().default("https://api.openai.com"),
  CHATGPT_CODEX_BASE: z.url().default("https://chatgpt.com/backend-api/codex"),
  OPENAI_OAUTH_TOKEN_URL: z.url().default("https://auth.openai.com/oauth/token"),
  OPENAI_OAUTH_AUTHORIZE_URL: z.url().default("https://auth.openai.com/oauth/authorize"),
  OPENAI_OAUTH_CLIENT_ID: z.string().default("app_EMoamEEZ73f0CkXaXp7hrann"),
  OPENAI_OAUTH_REDIRECT_URI: z.url().default("http://localhost:1455/auth/callback"),
  // Droid (Factory.ai) OAuth accounts refresh through WorkOS with the Factory CLI's client id, as the original does.
  DROID_OAUTH_TOKEN_URL: z.url().default("https://api.workos.com/user_management/authenticate"),
  DROID_OAUTH_CLIENT_ID: z.string().default("client_01HNM792M5G5G1A2THWPXKFMXB"),
});
export type Config = z.infer<typeof configSchema>;

export interface Services {
  config: Config;
  keyspace: Keyspace;
  sealingKeys: Promise<SealingKey[]>;
}

const servicesByEnv = new WeakMap<object, Services>();

/** The names of the bindings that are missing or invalid (never their values, which may be secrets). */
export function configProblems(env: Env): string[] {
  const parsed = configSchema.safeParse(env);
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
}

export function services(env: Env): Services {
  let found = servicesByEnv.get(env);
  if (!found) {
    const parsed = configSchema.safeParse(env);
    if (!parsed.success) {
      // The names go to the log and /health; the client learns only that the relay cannot serve.
      log("error", "edge-relay is misconfigured", { check: configProblems(env) });
      throw new RelayError(
        "unavailable",
        "The relay is misconfigured; its operator can see what to fix at /health",
      );
    }
    const config = parsed.data;
    found = {
      config,
      keyspace: Keyspace.connect({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
      }),
      sealingKeys: Promise.all(
        [config.ENCRYPTION_KEY, config.ENCRYPTION_KEY_PREVIOUS].flatMap((s) =>
          s ? [importSealingKey(s)] : [],
        ),
      ),
    };
    servicesByEnv.set(env, found);
  }
  return found;
}
