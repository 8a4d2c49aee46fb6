// A Claude Relay Service keyspace, generated from the format description (CRS-REFERENCE §2, §8–13)
// into a real redis-server: keys of every family and Redis type, index keys, credentials encrypted
// with the original's scheme, relay keys hashed with its scheme, and a few broken records.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from "node:crypto";
import type Redis from "ioredis";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";

export const CRS_ENCRYPTION_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const OTHER_CRS_KEY = "a-different-encryption-key-of-another-instance";

/** `hex(iv):hex(aes-256-cbc(scrypt(key, salt, 32)))`, a fresh IV every time, as the original does. */
export function crsEncrypt(plaintext: string, salt: string, key = CRS_ENCRYPTION_KEY): string {
  if (plaintext === "") return "";
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", scryptSync(key, salt, 32), iv);
  return `${iv.toString("hex")}:${Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]).toString("hex")}`;
}

/** The original's decryption (its exporters decrypt with it); a value not `iv:hex` is plaintext. */
export function crsDecrypt(value: string, salt: string, key = CRS_ENCRYPTION_KEY): string {
  const [iv, data] = value.split(":");
  if (!iv || !data || !/^[0-9a-f]{32}$/i.test(iv)) return value;
  const decipher = createDecipheriv("aes-256-cbc", scryptSync(key, salt, 32), Buffer.from(iv, "hex"));
  return Buffer.concat([decipher.update(Buffer.from(data, "hex")), decipher.final()]).toString("utf8");
}

/** Bedrock's own scheme (its _encryptAwsCredentials): key sha256(ENCRYPTION_KEY), an {encrypted, iv} object. */
export function bedrockEncrypt(
  credentials: object,
  key = CRS_ENCRYPTION_KEY,
): { encrypted: string; iv: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", createHash("sha256").update(key).digest(), iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(credentials), "utf8"), cipher.final()]);
  return { encrypted: encrypted.toString("hex"), iv: iv.toString("hex") };
}

/** The original's key hash: sha256 hex of the key followed by ENCRYPTION_KEY. */
export function crsHash(relayKey: string, key = CRS_ENCRYPTION_KEY): string {
  return createHash("sha256")
    .update(relayKey + key)
    .digest("hex");
}

function relayKey(seed: string): string {
  return `cr_${createHash("sha256").update(`fixture:${seed}`).digest("hex")}`;
}

export const BEDROCK_ACCESS_KEY = "AKIAFAKEBEDROCK00001";

export const IDS = {
  alice: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000001",
  bob: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000002",
  carol: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000003",
  dave: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000004",
  erin: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000005",
  deleted: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000006",
  corrupt: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000007",
  frank: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000008",
  grace: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000009",
  heidi: "6f2b7c1e-0a51-4c0e-9d5e-1a0000000010",
  console: "c0a50000-0000-4000-8000-000000000001",
  consoleDedicated: "c0a50000-0000-4000-8000-000000000002",
  consoleBadKey: "c0a50000-0000-4000-8000-000000000003",
  oauth: "0a000000-0000-4000-8000-000000000001",
  geminiOauth: "9e000000-0000-4000-8000-000000000001",
  geminiApi: "9ea00000-0000-4000-8000-000000000001",
  openaiOauth: "0e000000-0000-4000-8000-000000000001",
  openaiResponses: "0ea00000-0000-4000-8000-000000000001",
  azure: "a2000000-0000-4000-8000-000000000001",
  bedrock: "be000000-0000-4000-8000-000000000001",
  droid: "d0000000-0000-4000-8000-000000000001",
  ccr: "cc000000-0000-4000-8000-000000000001",
  bedrockCorrupt: "be000000-0000-4000-8000-000000000002",
  droidOauth: "d0000000-0000-4000-8000-000000000002",
  group: "9a000000-0000-4000-8000-000000000001",
  groupGemini: "9a000000-0000-4000-8000-000000000002",
  groupCorrupt: "9a000000-0000-4000-8000-000000000003",
  userAlice: "u0000000-0000-4000-8000-000000000001",
  userErin: "u0000000-0000-4000-8000-000000000002",
  userBoss: "u0000000-0000-4000-8000-000000000003",
  userCorrupt: "u0000000-0000-4000-8000-000000000004",
  userBadName: "u0000000-0000-4000-8000-000000000005",
  userDeleted: "u0000000-0000-4000-8000-000000000006",
} as const;

export const SECRETS = {
  alice: relayKey("alice"),
  bob: relayKey("bob"),
  carol: relayKey("carol"),
  dave: relayKey("dave"),
  erin: relayKey("erin"),
  deleted: relayKey("deleted"),
  corrupt: relayKey("corrupt"),
  frank: relayKey("frank"),
  grace: relayKey("grace"),
  heidi: relayKey("heidi"),
  consoleApiKey: "sk-ant-api03-console-fixture",
  dedicatedApiKey: "sk-ant-api03-dedicated-fixture",
  oauthAccess: "sk-ant-oat01-oauth-fixture",
  oauthRefresh: "sk-ant-ort01-oauth-fixture",
  geminiAccess: "ya29.gemini-fixture",
  geminiRefresh: "1//gemini-refresh-fixture",
  geminiApiKey: "AIzaSy-gemini-api-fixture",
  openaiAccess: "eyJ.openai-access-fixture",
  openaiRefresh: "rt_openai-refresh-fixture",
  openaiResponsesKey: "sk-proj-responses-plaintext",
  azureApiKey: "azure-api-key-fixture",
  // Credentials the fake upstream knows, so that it verifies the imported account's signatures.
  bedrockSecret: BEDROCK_TEST_CREDENTIALS[BEDROCK_ACCESS_KEY]?.secret ?? "",
  droidKey: "fk-droid-fixture",
  ccrKey: "ccr-router-key-fixture",
};

export interface FixtureStamps {
  now: number;
  day: string;
  yesterday: string;
  month: string;
  hour: string;
}

/** Day, month and hour in the original's default time zone (UTC+8). */
export function stampsAt(now: number): FixtureStamps {
  const at = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString();
  const iso = at(now);
  return {
    now,
    day: iso.slice(0, 10),
    yesterday: at(now - 86_400_000).slice(0, 10),
    month: iso.slice(0, 7),
    hour: `${iso.slice(0, 10)}:${iso.slice(11, 13)}`,
  };
}

export interface FixtureOptions {
  /** The Console account's apiUrl (e2e: the fake upstream); default the official API. */
  consoleApiUrl?: string;
  /** The Azure account's endpoint (e2e: the fake upstream). */
  azureEndpoint?: string;
  /** The CCR account's apiUrl (e2e: the fake upstream). */
  ccrApiUrl?: string;
  now?: number;
}

const DAY_S = 86_400;

/** Writes the whole fixture into an empty redis database; returns the times it used. */
export async function writeCrsFixture(redis: Redis, options: FixtureOptions = {}): Promise<FixtureStamps> {
  const s = stampsAt(options.now ?? Date.now());
  const p = redis.pipeline();
  const created = "2025-06-01T08:00:00.000Z";
  const iso = (ms: number) => new Date(ms).toISOString();

  // ---- users (JSON strings) and their indexes
  p.set(
    `user:${IDS.userAlice}`,
    JSON.stringify({
      id: IDS.userAlice,
      username: "alice",
      role: "user",
      isActive: true,
      email: "a@example.com",
    }),
  );
  p.set(
    `user:${IDS.userErin}`,
    JSON.stringify({ id: IDS.userErin, username: "erin", role: "user", isActive: false }),
  );
  p.set(
    `user:${IDS.userBoss}`,
    JSON.stringify({
      id: IDS.userBoss,
      username: "boss.lee",
      firstName: "Boss",
      lastName: "Lee",
      role: "admin",
      isActive: true,
      createdAt: created,
      updatedAt: "2025-06-02T08:00:00.000Z",
      lastLoginAt: "2025-07-01T09:00:00.000Z",
      apiKeyCount: 0,
      totalUsage: { requests: 0, inputTokens: 0, outputTokens: 0, totalCost: 0 },
    }),
  );
  p.set(`user:${IDS.userCorrupt}`, '{"id":"truncated", "username": "mall');
  p.set(
    `user:${IDS.userBadName}`,
    JSON.stringify({ id: IDS.userBadName, username: "张 三", isActive: true }),
  );
  p.set(
    `user:${IDS.userDeleted}`,
    JSON.stringify({ id: IDS.userDeleted, username: "gone", isActive: false, deletedAt: created }),
  );
  p.set("username:alice", IDS.userAlice);
  p.set("username:erin", IDS.userErin);
  p.set("username:boss.lee", IDS.userBoss);
  p.sadd("user:index", IDS.userAlice, IDS.userErin, IDS.userBoss, IDS.userCorrupt, IDS.userBadName);
  p.set("user_session:5e551011", JSON.stringify({ userId: IDS.userAlice }), "EX", 3600);

  // ---- relay keys
  const base = (id: string, name: string, secret: string): Record<string, string> => ({
    id,
    name,
    description: "",
    apiKey: crsHash(secret),
    tokenLimit: "0",
    concurrencyLimit: "0",
    rateLimitWindow: "0",
    rateLimitRequests: "0",
    rateLimitCost: "0",
    isActive: "true",
    claudeAccountId: "",
    claudeConsoleAccountId: "",
    geminiAccountId: "",
    openaiAccountId: "",
    azureOpenaiAccountId: "",
    bedrockAccountId: "",
    vertexAccountId: "",
    droidAccountId: "",
    permissions: "[]",
    enableModelRestriction: "false",
    restrictedModels: "[]",
    enableClientRestriction: "false",
    allowedClients: "[]",
    dailyCostLimit: "0",
    totalCostLimit: "0",
    weeklyOpusCostLimit: "0",
    tags: "[]",
    activationDays: "0",
    activationUnit: "days",
    expirationMode: "fixed",
    isActivated: "true",
    activatedAt: created,
    createdAt: created,
    lastUsedAt: "",
    expiresAt: "",
    createdBy: "admin",
    userId: "",
    userUsername: "",
    icon: "",
    serviceRates: "{}",
    weeklyResetDay: "1",
    weeklyResetHour: "0",
    enableOpenAIResponsesCodexAdaptation: "true",
    enableOpenAIResponsesPayloadRules: "false",
    openaiResponsesPayloadRules: "[]",
  });
  const keyRecords: Record<string, Record<string, string>> = {
    [IDS.alice]: {
      ...base(IDS.alice, "alice", SECRETS.alice),
      description: "Alice's laptop",
      concurrencyLimit: "3",
      rateLimitWindow: "60",
      rateLimitRequests: "100",
      rateLimitCost: "5",
      claudeConsoleAccountId: IDS.console,
      permissions: '["claude"]',
      enableModelRestriction: "true",
      restrictedModels: '["claude-opus-4-1"]',
      dailyCostLimit: "20",
      totalCostLimit: "500",
      weeklyOpusCostLimit: "50",
      weeklyResetDay: "3",
      weeklyResetHour: "6",
      tags: '["team-a","vip"]',
      expiresAt: "2099-01-01T00:00:00.000Z",
      lastUsedAt: iso(s.now - 60_000),
      userId: IDS.userAlice,
      userUsername: "alice",
    },
    [IDS.bob]: {
      ...base(IDS.bob, "bob", SECRETS.bob),
      expirationMode: "activation",
      activationDays: "30",
      isActivated: "false",
      activatedAt: "",
      enableClientRestriction: "true",
      allowedClients: '["claude_code","unknown_cli"]',
      claudeAccountId: `group:${IDS.group}`,
      geminiAccountId: `api:${IDS.geminiApi}`,
      openaiAccountId: `responses:${IDS.openaiResponses}`,
      permissions: "all",
      serviceRates: '{"claude":1.5}',
    },
    [IDS.carol]: {
      ...base(IDS.carol, "carol", SECRETS.carol),
      expirationMode: "activation",
      activationDays: "720",
      activationUnit: "hours",
      isActivated: "true",
      activatedAt: iso(s.now - DAY_S * 1000),
      expiresAt: iso(s.now + 29 * DAY_S * 1000),
      claudeAccountId: IDS.oauth,
      bedrockAccountId: "be-unsupported",
      icon: "data:image/png;base64,iVBORw0KGgo=",
      tokenLimit: "1000000",
    },
    [IDS.dave]: { ...base(IDS.dave, "dave", SECRETS.dave), isActive: "false" },
    [IDS.erin]: { ...base(IDS.erin, "erin", SECRETS.erin), userId: IDS.userErin, userUsername: "erin" },
    [IDS.deleted]: {
      ...base(IDS.deleted, "gone", SECRETS.deleted),
      isActive: "false",
      isDeleted: "true",
      deletedAt: created,
      deletedBy: "admin",
    },
    [IDS.corrupt]: { ...base(IDS.corrupt, "broken", SECRETS.corrupt), tokenLimit: "lots" },
    [IDS.frank]: { ...base(IDS.frank, "frank", SECRETS.frank), claudeAccountId: `group:${IDS.group}` },
    [IDS.grace]: { ...base(IDS.grace, "grace", SECRETS.grace), bedrockAccountId: IDS.bedrock },
    // Older versions of the original bound keys to CCR accounts with a field of their own.
    [IDS.heidi]: { ...base(IDS.heidi, "heidi", SECRETS.heidi), ccrAccountId: IDS.ccr },
  };
  for (const [id, fields] of Object.entries(keyRecords)) {
    p.hset(`apikey:${id}`, fields);
    p.expire(`apikey:${id}`, 365 * DAY_S);
    if (fields.isDeleted !== "true") p.hset("apikey:hash_map", crsHash(SECRETS[nameOf(id)]), id);
  }
  p.sadd("apikey:idx:all", ...Object.keys(keyRecords));
  p.sadd("apikey:set:active", IDS.alice, IDS.bob, IDS.carol, IDS.erin, IDS.frank, IDS.grace, IDS.heidi);
  p.sadd("apikey:tags:all", "team-a", "vip");
  p.set("apikey:index:version", "2");
  p.zadd("apikey:idx:createdAt", 1, IDS.alice, 2, IDS.bob);
  p.set("apikey:not-a-hash", "a string where a key hash belongs");

  // ---- accounts
  const account = (id: string, fields: Record<string, string>) => ({
    id,
    description: "",
    priority: "50",
    proxy: "",
    isActive: "true",
    accountType: "shared",
    createdAt: created,
    lastUsedAt: "",
    status: "active",
    errorMessage: "",
    schedulable: "true",
    ...fields,
  });
  p.hset(
    `claude_console_account:${IDS.console}`,
    account(IDS.console, {
      platform: "claude-console",
      name: "team-console",
      apiUrl: options.consoleApiUrl ?? "https://api.anthropic.com",
      apiKey: crsEncrypt(SECRETS.consoleApiKey, "claude-console-salt"),
      priority: "10",
      supportedModels: "[]",
      userAgent: "claude-cli/1.0.69 (external, cli)",
      rateLimitDuration: "60",
      rateLimitedAt: "",
      rateLimitStatus: "",
      dailyQuota: "25",
      dailyUsage: "1.5",
      subscriptionExpiresAt: "2027-01-31T00:00:00.000Z",
      lastResetDate: s.day,
      quotaResetTime: "00:00",
      quotaStoppedAt: "",
      maxConcurrentTasks: "4",
      disableAutoProtection: "false",
      interceptWarmup: "false",
    }),
  );
  p.hset(
    `claude_console_account:${IDS.consoleDedicated}`,
    account(IDS.consoleDedicated, {
      platform: "claude-console",
      name: "vip-dedicated",
      apiUrl: "https://relay.example.com/api/v1/messages/",
      apiKey: crsEncrypt(SECRETS.dedicatedApiKey, "claude-console-salt"),
      accountType: "dedicated",
      proxy: JSON.stringify({ type: "socks5", host: "127.0.0.1", port: 1080 }),
      supportedModels: JSON.stringify({ "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" }),
      maxConcurrentTasks: "0",
    }),
  );
  p.hset(
    `claude_console_account:${IDS.consoleBadKey}`,
    account(IDS.consoleBadKey, {
      platform: "claude-console",
      name: "from-another-instance",
      apiUrl: "https://api.anthropic.com",
      apiKey: crsEncrypt("sk-ant-other", "claude-console-salt", OTHER_CRS_KEY),
    }),
  );
  const claudeOauth = {
    accessToken: SECRETS.oauthAccess,
    refreshToken: SECRETS.oauthRefresh,
    expiresAt: s.now + 30 * DAY_S * 1000,
    scopes: ["user:inference", "user:profile"],
  };
  p.hset(
    `claude:account:${IDS.oauth}`,
    account(IDS.oauth, {
      name: "max-1",
      platform: "claude",
      email: crsEncrypt("owner@example.com", "salt"),
      password: "",
      claudeAiOauth: crsEncrypt(JSON.stringify(claudeOauth), "salt"),
      accessToken: crsEncrypt(SECRETS.oauthAccess, "salt"),
      refreshToken: crsEncrypt(SECRETS.oauthRefresh, "salt"),
      expiresAt: String(claudeOauth.expiresAt),
      scopes: claudeOauth.scopes.join(" "),
      priority: "20",
      lastRefreshAt: created,
      subscriptionInfo: JSON.stringify({ accountType: "claude_max" }),
      autoStopOnWarning: "true",
      subscriptionExpiresAt: "2026-12-31T16:00:00.000Z",
      useUnifiedUserAgent: "false",
      maxConcurrency: "0",
    }),
  );
  p.hset(
    `gemini_account:${IDS.geminiOauth}`,
    account(IDS.geminiOauth, {
      platform: "gemini",
      name: "gemini-cli-1",
      geminiOauth: crsEncrypt(
        JSON.stringify({ access_token: SECRETS.geminiAccess, refresh_token: SECRETS.geminiRefresh }),
        "gemini-account-salt",
      ),
      accessToken: crsEncrypt(SECRETS.geminiAccess, "gemini-account-salt"),
      refreshToken: crsEncrypt(SECRETS.geminiRefresh, "gemini-account-salt"),
      expiresAt: "2030-01-01T00:00:00.000Z",
      scopes: "https://www.googleapis.com/auth/cloud-platform",
      oauthProvider: "gemini-cli",
      projectId: "",
      tempProjectId: "temp-project-7",
      // A model map: one model renamed, one served as named.
      supportedModels: JSON.stringify({
        "gemini-2.5-pro": "gemini-2.5-pro-preview-06-05",
        "gemini-2.5-flash": "gemini-2.5-flash",
      }),
      updatedAt: "2025-07-01T00:00:00.000Z",
    }),
  );
  p.hset(
    `gemini_api_account:${IDS.geminiApi}`,
    account(IDS.geminiApi, {
      platform: "gemini-api",
      name: "ai-studio",
      baseUrl: "https://generativelanguage.googleapis.com",
      apiKey: crsEncrypt(SECRETS.geminiApiKey, "gemini-api-salt"),
      supportedModels: '["gemini-2.5-pro","gemini-2.5-flash"]',
      rateLimitDuration: "60",
    }),
  );
  p.hset(
    `openai:account:${IDS.openaiOauth}`,
    account(IDS.openaiOauth, {
      name: "chatgpt-plus",
      idToken: crsEncrypt("eyJ.id-token", "openai-account-salt"),
      accessToken: crsEncrypt(SECRETS.openaiAccess, "openai-account-salt"),
      refreshToken: crsEncrypt(SECRETS.openaiRefresh, "openai-account-salt"),
      openaiOauth: crsEncrypt(
        JSON.stringify({ accessToken: SECRETS.openaiAccess, refreshToken: SECRETS.openaiRefresh }),
        "openai-account-salt",
      ),
      accountId: "chatgpt-account-42",
      chatgptUserId: "user-42",
      planType: "plus",
      email: crsEncrypt("gpt@example.com", "openai-account-salt"),
      emailVerified: "true",
      expiresAt: "2030-01-01T00:00:00.000Z",
      maxConcurrentTasks: "2",
      rateLimitDuration: "60",
      codexPrimaryUsedPercent: "12",
      updatedAt: "2025-07-02T00:00:00.000Z",
    }),
  );
  p.hset(
    `openai_responses_account:${IDS.openaiResponses}`,
    account(IDS.openaiResponses, {
      platform: "openai-responses",
      name: "openai-api",
      baseApi: "https://api.openai.com/v1",
      apiKey: SECRETS.openaiResponsesKey, // plaintext: no "iv:" shape
      userAgent: "",
      providerEndpoint: "responses",
      provider: "custom",
      dailyQuota: "7.5",
      quotaResetTime: "00:00",
      subscriptionExpiresAt: "end of the year",
    }),
  );
  p.hset(
    `azure_openai:account:${IDS.azure}`,
    account(IDS.azure, {
      name: "azure-east",
      azureEndpoint: options.azureEndpoint ?? "https://east.openai.azure.com/",
      apiVersion: "2024-02-01",
      deploymentName: "gpt-4o",
      apiKey: crsEncrypt(SECRETS.azureApiKey, "azure-openai-account-default-salt"),
      supportedModels: '["gpt-4","gpt-4-turbo","gpt-35-turbo","gpt-35-turbo-16k"]',
      priority: "80",
      subscriptionExpiresAt: "",
      disableAutoProtection: "false",
    }),
  );
  // Bedrock accounts are JSON strings, their AWS credentials under their own encryption.
  p.set(
    `bedrock_account:${IDS.bedrock}`,
    JSON.stringify({
      id: IDS.bedrock,
      name: "bedrock-us",
      description: "Claude on AWS",
      region: "us-west-2",
      defaultModel: "us.anthropic.claude-sonnet-4-20250514-v1:0",
      isActive: true,
      accountType: "shared",
      priority: 30,
      schedulable: true,
      credentialType: "access_key",
      subscriptionExpiresAt: null,
      createdAt: created,
      updatedAt: created,
      type: "bedrock",
      disableAutoProtection: false,
      awsCredentials: bedrockEncrypt({
        accessKeyId: BEDROCK_ACCESS_KEY,
        secretAccessKey: SECRETS.bedrockSecret,
      }),
    }),
  );
  p.set(`bedrock_account:${IDS.bedrockCorrupt}`, '{"id": "cut off in the middle');
  p.sadd("bedrock_account:index", IDS.bedrock, IDS.bedrockCorrupt);
  p.hset(
    `droid:account:${IDS.droid}`,
    account(IDS.droid, {
      name: "factory",
      platform: "droid",
      authenticationMethod: "api_key",
      endpointType: "anthropic",
      userAgent: "factory-cli/0.30.0",
      apiKeyCount: "2",
      apiKeys: JSON.stringify([
        {
          id: "k1",
          hash: createHash("sha256").update(SECRETS.droidKey).digest("hex"),
          encryptedKey: crsEncrypt(SECRETS.droidKey, "droid-account-salt"),
          createdAt: created,
          lastUsedAt: "",
          usageCount: "3",
          status: "active",
          errorMessage: "",
        },
        {
          id: "k2",
          hash: "h2",
          encryptedKey: crsEncrypt("fk-second-key", "droid-account-salt"),
          status: "active",
        },
      ]),
    }),
  );
  p.hset(
    `droid:account:${IDS.droidOauth}`,
    account(IDS.droidOauth, {
      name: "factory-oauth",
      platform: "droid",
      authenticationMethod: "oauth",
      accessToken: crsEncrypt("workos-access", "droid-account-salt"),
      refreshToken: crsEncrypt("workos-refresh", "droid-account-salt"),
    }),
  );
  p.hset(
    `ccr_account:${IDS.ccr}`,
    account(IDS.ccr, {
      name: "ccr-1",
      platform: "ccr",
      apiUrl: options.ccrApiUrl ?? "https://ccr.example.com/",
      apiKey: crsEncrypt(SECRETS.ccrKey, "ccr-account-salt"),
      supportedModels: "[]",
      userAgent: "claude-relay-service/1.0.0",
      rateLimitDuration: "60",
      dailyQuota: "0",
      quotaResetTime: "00:00",
    }),
  );
  p.sadd("claude_console_account:index", IDS.console, IDS.consoleDedicated, IDS.consoleBadKey);
  p.sadd("claude:account:index", IDS.oauth);
  p.sadd("shared_claude_console_accounts", IDS.console);
  p.sadd(`account_groups_reverse:claude:${IDS.oauth}`, IDS.group);

  // ---- groups, webhooks, settings
  p.hset(`account_group:${IDS.group}`, {
    id: IDS.group,
    name: "night-shift",
    platform: "claude",
    description: "OAuth only, at night",
    proxy: "",
    proxyPriority: "",
    createdAt: created,
    updatedAt: created,
  });
  // The console account with the other instance's key is not imported: left out of the group.
  p.sadd(`account_group_members:${IDS.group}`, IDS.oauth, IDS.consoleBadKey);
  p.hset(`account_group:${IDS.groupGemini}`, {
    id: IDS.groupGemini,
    name: "gemini-pool",
    platform: "gemini",
    description: "",
    proxy: JSON.stringify({ type: "socks5", host: "127.0.0.1", port: 1080 }),
    createdAt: created,
  });
  p.sadd(`account_group_members:${IDS.groupGemini}`, IDS.geminiApi, IDS.geminiOauth);
  p.hset(`account_group:${IDS.groupCorrupt}`, { id: IDS.groupCorrupt, name: "broken", platform: "" });
  p.sadd("account_groups", IDS.group, IDS.groupGemini, IDS.groupCorrupt);
  p.set(
    "webhook_config:default",
    JSON.stringify({
      enabled: true,
      platforms: [
        { id: "w1", type: "slack", url: "https://hooks.slack.com/x", enabled: true },
        {
          id: "w2",
          type: "wechat_work",
          name: "ops",
          url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
          enabled: true,
          timeout: 8000,
        },
        {
          id: "w3",
          type: "dingtalk",
          url: "https://oapi.dingtalk.com/robot/send?access_token=t",
          enableSign: true,
          secret: "SEC-ding",
          enabled: true,
        },
        {
          id: "w4",
          type: "feishu",
          url: "https://open.feishu.cn/open-apis/bot/v2/hook/h",
          secret: "unused",
          enableSign: false,
          enabled: false,
        },
        {
          id: "w5",
          type: "telegram",
          botToken: "123456:ABC-def",
          chatId: -100123,
          apiUrl: "https://tg.example.com/",
          parseMode: "HTML",
          enabled: true,
        },
        {
          id: "w6",
          type: "bark",
          deviceKey: "bark-device-key-0123456789",
          serverUrl: "https://bark.example.com/push",
          sound: "bell",
          level: "critical",
          enabled: true,
        },
        { id: "w7", type: "smtp", host: "smtp.example.com", port: 587, to: "ops@example.com", enabled: true },
        { id: "w8", type: "custom", url: "https://hooks.example.com/crs", enabled: true },
        { id: "w9", type: "discord", url: "not a url", enabled: true },
      ],
      notificationTypes: {
        accountAnomaly: true,
        quotaWarning: false,
        systemError: true,
        rateLimitRecovery: true,
      },
      retrySettings: { maxRetries: 3, retryDelay: 2000, timeout: 5000 },
    }),
  );
  p.set("webhook_config:staging", JSON.stringify({ enabled: false, platforms: [] }));
  p.set("system:service_rates", JSON.stringify({ baseService: "claude", rates: { claude: 1, gemini: 1.2 } }));
  p.set("claude_relay_config", JSON.stringify({ claudeCodeOnlyEnabled: false }));
  p.set(
    "session:admin_credentials",
    JSON.stringify({ username: "cr_admin_1a2b3c4d", passwordHash: "$2a$10$x" }),
  );
  p.hset("session:0123abcd", { username: "cr_admin_1a2b3c4d", loginTime: created });
  p.zadd(`concurrency:${IDS.alice}`, s.now + 300_000, "lease-1");
  p.set(`rate_limit:requests:${IDS.alice}`, "3", "PX", 60_000);
  p.set(
    "unified_claude_session_mapping:abc",
    JSON.stringify({ accountId: IDS.console, accountType: "claude-console" }),
  );
  p.rpush(`error_history:claude:${IDS.oauth}`, JSON.stringify({ status: 429 }));
  p.hset(`system:metrics:minute:${Math.floor(s.now / 60_000)}`, { requests: "3" });
  p.hset(`claude_account:${IDS.oauth}`, { id: IDS.oauth, name: "written by the original's importer" });

  // ---- usage: relay keys
  const tokens = (
    input: number,
    output: number,
    cc: number,
    cr: number,
    e5: number,
    e1: number,
    requests: number,
  ) => ({
    tokens: String(input + output),
    inputTokens: String(input),
    outputTokens: String(output),
    cacheCreateTokens: String(cc),
    cacheReadTokens: String(cr),
    allTokens: String(input + output + cc + cr),
    requests: String(requests),
    ephemeral5mTokens: String(e5),
    ephemeral1hTokens: String(e1),
  });
  const totals = (
    input: number,
    output: number,
    cc: number,
    cr: number,
    e5: number,
    e1: number,
    requests: number,
  ) => ({
    totalTokens: String(input + output),
    totalInputTokens: String(input),
    totalOutputTokens: String(output),
    totalCacheCreateTokens: String(cc),
    totalCacheReadTokens: String(cr),
    totalAllTokens: String(input + output + cc + cr),
    totalEphemeral5mTokens: String(e5),
    totalEphemeral1hTokens: String(e1),
    totalRequests: String(requests),
  });
  p.hset(`usage:${IDS.alice}`, totals(1000, 2000, 300, 4000, 200, 100, 12));
  p.hset(`usage:daily:${IDS.alice}:${s.day}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.expire(`usage:daily:${IDS.alice}:${s.day}`, 32 * DAY_S);
  p.hset(`usage:daily:${IDS.alice}:${s.yesterday}`, tokens(50, 60, 0, 0, 0, 0, 1));
  p.expire(`usage:daily:${IDS.alice}:${s.yesterday}`, 31 * DAY_S);
  p.hset(`usage:monthly:${IDS.alice}:${s.month}`, tokens(150, 260, 30, 400, 20, 10, 3));
  p.expire(`usage:monthly:${IDS.alice}:${s.month}`, 365 * DAY_S);
  p.hset(`usage:hourly:${IDS.alice}:${s.hour}`, {
    ...tokens(100, 200, 30, 400, 20, 10, 2),
    longContextRequests: "1",
  });
  p.expire(`usage:hourly:${IDS.alice}:${s.hour}`, 7 * DAY_S);
  p.set(`usage:cost:total:${IDS.alice}`, "12.345678");
  p.set(`usage:cost:daily:${IDS.alice}:${s.day}`, "1.25", "EX", 30 * DAY_S);
  p.set(`usage:cost:daily:${IDS.alice}:${s.yesterday}`, "0.5", "EX", 29 * DAY_S);
  p.set(`usage:cost:monthly:${IDS.alice}:${s.month}`, "1.75", "EX", 90 * DAY_S);
  p.set(`usage:cost:hourly:${IDS.alice}:${s.hour}`, "1.25", "EX", 7 * DAY_S);
  p.set(`usage:cost:real:total:${IDS.alice}`, "10.5");
  p.set(`usage:opus:weekly:${IDS.alice}:${s.day}T06`, "1.25", "EX", 14 * DAY_S);
  const model = "claude-sonnet-4-5";
  p.hset(`usage:${IDS.alice}:model:alltime:${model}`, {
    ...tokens(1000, 2000, 300, 4000, 200, 100, 12),
    realCostMicro: "10500000",
    ratedCostMicro: "12345678",
  });
  p.hset(`usage:${IDS.alice}:model:daily:${model}:${s.day}`, {
    ...tokens(100, 200, 30, 400, 20, 10, 2),
    ratedCostMicro: "1250000",
  });
  p.hset(`usage:${IDS.alice}:model:monthly:${model}:${s.month}`, {
    ...tokens(150, 260, 30, 400, 20, 10, 3),
    ratedCostMicro: "1750000",
  });
  p.hset(`usage:${IDS.alice}:model:hourly:${model}:${s.hour}`, {
    ...tokens(100, 200, 30, 400, 20, 10, 2),
    ratedCostMicro: "1250000",
  });
  p.hset(`usage:model:daily:${model}:${s.day}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.hset(`usage:model:monthly:${model}:${s.month}`, tokens(150, 260, 30, 400, 20, 10, 3));
  p.hset(`usage:model:hourly:${model}:${s.hour}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.lpush(`usage:records:${IDS.alice}`, JSON.stringify({ model, inputTokens: 100, cost: 1.25 }));
  p.hset(`usage:${IDS.carol}`, totals(10, 20, 0, 0, 0, 0, 1));
  p.set(`usage:cost:total:${IDS.carol}`, "0.01");
  p.hset(`usage:${IDS.deleted}`, totals(5, 5, 0, 0, 0, 0, 1));
  p.set(`usage:cost:total:${IDS.deleted}`, "0.002");
  p.hset(`usage:daily:${IDS.bob}:${s.day}`, { ...tokens(1, 1, 0, 0, 0, 0, 1), inputTokens: "many" });
  p.hset("usage:global:total", {
    requests: "14",
    inputTokens: "1015",
    outputTokens: "2025",
    cacheCreateTokens: "300",
    cacheReadTokens: "4000",
    allTokens: "7340",
    ephemeral5mTokens: "200",
    ephemeral1hTokens: "100",
  });
  p.hset(`usage:global:daily:${s.day}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.hset(`usage:global:monthly:${s.month}`, tokens(150, 260, 30, 400, 20, 10, 3));
  // indexes of the usage families
  p.sadd(`usage:daily:index:${s.day}`, IDS.alice);
  p.sadd(`usage:hourly:index:${s.hour}`, IDS.alice);
  p.sadd(`usage:model:daily:index:${s.day}`, model);
  p.sadd(`usage:keymodel:daily:index:${s.day}`, `${IDS.alice}:${model}`);
  p.sadd("usage:model:monthly:months", s.month);
  p.set(`usage:hourly:index:${s.hour}:empty`, "1");

  // ---- usage: accounts
  p.hset(`account_usage:${IDS.console}`, totals(1000, 2000, 300, 4000, 200, 100, 12));
  p.hset(`account_usage:daily:${IDS.console}:${s.day}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.hset(`account_usage:hourly:${IDS.console}:${s.hour}`, {
    ...tokens(100, 200, 30, 400, 20, 10, 2),
    [`model:${model}:inputTokens`]: "100",
    [`model:${model}:requests`]: "2",
  });
  p.hset(`account_usage:model:daily:${IDS.console}:${model}:${s.day}`, tokens(100, 200, 30, 400, 20, 10, 2));
  p.hset(`account_usage:${IDS.azure}`, totals(7, 7, 0, 0, 0, 0, 1));
  p.sadd(`account_usage:daily:index:${s.day}`, IDS.console);

  await p.exec();
  return s;
}

type KeyName =
  | "alice"
  | "bob"
  | "carol"
  | "dave"
  | "erin"
  | "deleted"
  | "corrupt"
  | "frank"
  | "grace"
  | "heidi";

function nameOf(id: string): KeyName {
  const entry = Object.entries(IDS).find(([, value]) => value === id);
  const name = entry?.[0];
  if (
    name === "alice" ||
    name === "bob" ||
    name === "carol" ||
    name === "dave" ||
    name === "erin" ||
    name === "deleted" ||
    name === "corrupt" ||
    name === "frank" ||
    name === "grace" ||
    name === "heidi"
  )
    return name;
  throw new Error(`no relay key ${id}`);
}
