// The Claude Relay Service importer against a fixture keyspace in the original's layout
// (crs-fixture.ts) in a real redis-server, importing into a fresh keyspace of ours (another
// redis-server behind the Upstash bridge): as a function, and once as the CLI.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../dev/stack.ts";
import { startUpstashBridge } from "../../dev/upstash-bridge.ts";
import { importFromCrs } from "../../migrations/crs/importer.ts";
import { openJsonSource } from "../../migrations/crs/json-source.ts";
import { spendKeysOf } from "../../migrations/crs/map-keys.ts";
import { IMPORTED_NO_PASSWORD } from "../../migrations/crs/map-users.ts";
import { type CrsImportReport, formatReport } from "../../migrations/crs/report.ts";
import { openRedisSource, openUpstashSource } from "../../migrations/crs/source.ts";
import {
  hashPassword,
  hashRelayKey,
  importSealingKey,
  unseal,
  verifyPassword,
} from "../../worker/keyspace/crypto.ts";
import { keys, type UsageOwner, type UsagePeriod } from "../../worker/keyspace/keys.ts";
import { accountGroupRecordSchema } from "../../worker/keyspace/records/account-groups.ts";
import { accountRecordSchema } from "../../worker/keyspace/records/accounts.ts";
import { keyLimitsSchema, relayKeyRecordSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { userRecordSchema } from "../../worker/keyspace/records/users.ts";
import { webhookConfigSchema, webhookTargetSchema } from "../../worker/keyspace/records/webhooks.ts";
import { Keyspace } from "../../worker/keyspace/store.ts";
import { crsKeyHash, findLegacyKey, legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import { saveWebhookConfig } from "../../worker/webhooks/config.ts";
import { enhancedExportOf, syncExportOf } from "./crs-exports.ts";
import {
  BEDROCK_ACCESS_KEY,
  CRS_ENCRYPTION_KEY,
  crsHash,
  type FixtureStamps,
  IDS,
  SECRETS,
  writeCrsFixture,
} from "./crs-fixture.ts";
import { dump, startKeyspace, startSourceRedis, type TestKeyspace } from "./helpers.ts";

const OURS = {
  // Hex: a base64url secret may start with "-", which the CLI would read as a flag.
  keyHashSecret: randomBytes(32).toString("hex"),
  encryptionKey: randomBytes(32).toString("hex"),
};
const CREATED = "2025-06-01T08:00:00.000Z";

let source: Awaited<ReturnType<typeof startSourceRedis>>;
let target: TestKeyspace;
let stamps: FixtureStamps;

async function runImport(apply: boolean): Promise<CrsImportReport> {
  const reader = await openRedisSource(source.url);
  try {
    return await importFromCrs({
      source: reader,
      crsEncryptionKey: CRS_ENCRYPTION_KEY,
      target: target.upstash,
      targetLabel: target.bridge.url,
      encryptionKey: OURS.encryptionKey,
      apply,
    });
  } finally {
    await reader.close();
  }
}

async function storedKey(id: string) {
  return relayKeyRecordSchema.parse(JSON.parse((await target.direct.get(keys.relayKey(id))) ?? "null"));
}

async function storedGroup(id: string) {
  return accountGroupRecordSchema.parse(
    JSON.parse((await target.direct.get(keys.accountGroup(id))) ?? "null"),
  );
}

async function storedUser(id: string) {
  return userRecordSchema.parse(JSON.parse((await target.direct.get(keys.user(id))) ?? "null"));
}

async function storedAccount(id: string) {
  return accountRecordSchema.parse(JSON.parse((await target.direct.get(keys.account(id))) ?? "null"));
}

async function credentialsOf(id: string): Promise<unknown> {
  const record = await storedAccount(id);
  return JSON.parse(await unseal([await importSealingKey(OURS.encryptionKey)], record.credentials));
}

async function bucket(owner: UsageOwner, id: string, period: UsagePeriod) {
  return new Keyspace(target.upstash).getUsage(owner, id, period);
}

function counters(c: Partial<Record<string, number>>) {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheCreateTokens: 0,
    cacheReadTokens: 0,
    ephemeral5mTokens: 0,
    ephemeral1hTokens: 0,
    costMicroUsd: 0,
    ...c,
  };
}

/** The fixture's usual bucket: 100 in, 200 out, 30 cache write, 400 cache read, 20/10 by TTL. */
const TODAY = { inputTokens: 100, outputTokens: 200, cacheCreateTokens: 30, cacheReadTokens: 400 };
const TODAY_EPH = { ephemeral5mTokens: 20, ephemeral1hTokens: 10, requests: 2 };

beforeAll(async () => {
  source = await startSourceRedis();
  target = await startKeyspace();
  stamps = await writeCrsFixture(source.client);
});

afterAll(async () => {
  source?.client.disconnect();
  await source?.server.stop();
  await target?.stop();
});

describe("a dry run", () => {
  it("reports every family and writes nothing", async () => {
    const report = await runImport(false);
    expect(await target.direct.dbsize()).toBe(0);
    expect(report.mode).toBe("dry-run");

    expect(report.relayKeys).toMatchObject({
      found: 10,
      imported: 8,
      writes: { created: 8, updated: 0, unchanged: 0 },
    });
    expect(report.relayKeys.skipped).toEqual([
      { id: `apikey:${IDS.deleted}`, reason: "deleted in the original (soft-deleted)" },
      { id: `apikey:${IDS.corrupt}`, reason: 'corrupt: tokenLimit: "lots" is not a number' },
    ]);
    expect(report.relayKeys.notMapped).toEqual({
      "allowedClients (a client we do not know)": 1,
      "bedrockAccountId (bound account not imported)": 1,
      "icon (key icon)": 1,
    });
    expect(report.relayKeys.notes).toEqual([
      `${IDS.erin}: owner erin is disabled: the key is refused until the user is enabled here`,
    ]);

    expect(report.accounts).toMatchObject({
      found: 14,
      imported: 11,
      writes: { created: 11, updated: 0, unchanged: 0 },
      byType: {
        "claude-console": 3,
        "claude-oauth": 1,
        "gemini-oauth": 1,
        "gemini-api": 1,
        "openai-oauth": 1,
        "openai-api": 1,
        "azure-openai": 1,
        bedrock: 1,
        droid: 1,
      },
    });
    // Accounts we cannot serve are listed with their ids and why, not dropped silently.
    expect(report.accounts.skipped).toEqual([
      { id: `bedrock_account:${IDS.bedrockCorrupt}`, reason: "corrupt: not a JSON object" },
      {
        id: `claude_console_account:${IDS.consoleBadKey}`,
        reason: "corrupt: apiKey does not decrypt with the given --crs-encryption-key",
      },
      {
        id: `droid:account:${IDS.droidOauth}`,
        reason: "a Droid WorkOS OAuth account: only API-key Droid accounts are served here",
      },
    ]);
    // The per-account proxy is imported (worker/proxy/), no longer reported.
    expect(Object.keys(report.accounts.notMapped).filter((k) => k.startsWith("proxy"))).toEqual([]);
    expect(report.accounts.notMapped).toMatchObject({
      "apiKeys (several keys: the first usable one kept)": 1,
      "supportedModels (the original's Azure scheduler does not filter by it)": 1,
      "userAgent (custom User-Agent)": 1,
      "email (login email, not needed)": 2,
      "subscriptionInfo (subscription info)": 1,
      "subscriptionExpiresAt (unreadable: not imported)": 1,
    });
    // Mapped now: the 5-hour stop, daily cost quotas, subscription ends and model maps.
    expect(
      Object.keys(report.accounts.notMapped).filter((k) =>
        /^(autoStopOnWarning|dailyQuota|supportedModels \(model mapping)|subscriptionExpiresAt \(subscription/.test(
          k,
        ),
      ),
    ).toEqual([]);

    // A dedicated account has its place here: nothing about its type is lost.
    expect(Object.keys(report.accounts.notMapped).filter((k) => k.startsWith("accountType"))).toEqual([]);
    expect(report.accounts.notes).toEqual([
      `${IDS.azure}: priority 80 imported as 21: the original prefers high numbers for Azure`,
      `${IDS.ccr}: a CCR account: imported outside the shared pool, as the original uses it only for models prefixed ccr,; bind a key (or a group) to it to use it, or make it shared (sent with x-api-key, which CCR accepts)`,
      `${IDS.oauth}: autoStopOnWarning imported as stopAt5hPercent 90: the original stops at Anthropic's 5-hour warning (allowed_warning), which Anthropic raises at 90 % of the window`,
      `${IDS.oauth}: the original disguised other clients as Claude Code on this subscription account; here only Claude Code is scheduled on it (other clients go to API-key accounts) unless allowOtherClients is set`,
    ]);

    expect(report.usage).toMatchObject({ imported: 22, writes: { created: 22, updated: 0, unchanged: 0 } });
    expect(report.usage.skipped).toEqual(
      expect.arrayContaining([
        { id: `key ${IDS.deleted}`, reason: "usage of a key that is not imported (2 buckets)" },
        {
          id: `usage:daily:${IDS.bob}:${stamps.day}`,
          reason: 'corrupt: inputTokens: "many" is not a count',
        },
      ]),
    );

    expect(report.groups).toMatchObject({
      found: 3,
      imported: 2,
      writes: { created: 2, updated: 0, unchanged: 0 },
      skipped: [
        { id: `account_group:${IDS.groupCorrupt}`, reason: 'corrupt: platform "" is not one we serve' },
      ],
      notMapped: {
        "members (an account not imported: left out)": 1,
        "proxy (group proxy: Workers cannot use one)": 1,
      },
    });
    expect(report.users).toMatchObject({
      found: 6,
      imported: 3,
      writes: { created: 3, updated: 0, unchanged: 0 },
      skipped: [
        { id: `user:${IDS.userCorrupt}`, reason: "corrupt: not a JSON object" },
        {
          id: `user:${IDS.userBadName}`,
          reason: 'user name "张 三" is not valid here (2–64 of A–Z a–z 0–9 . _ @ -)',
        },
        { id: `user:${IDS.userDeleted}`, reason: "deleted in the original (soft-deleted)" },
      ],
      notMapped: {
        "createdAt (missing or unreadable)": 2,
        "role=admin (users here have no admin role: imported as a user)": 1,
      },
    });
    expect(report.users.notes).toEqual([expect.stringMatching(/^3 user\(s\) without a password here/)]);
    expect(report.webhooks).toMatchObject({
      found: 9,
      imported: 7,
      writes: { created: 1, updated: 0, unchanged: 0 },
      skipped: [
        { id: "smtp w7", reason: "smtp (e-mail): not mapped, this relay sends no mail" },
        { id: "discord w9", reason: "corrupt: url: Invalid URL" },
      ],
      notMapped: {
        "level (Bark level: set from each event's severity here)": 1,
        "notificationTypes.systemError (no such event here)": 1,
        "parseMode (Telegram parse mode: plain text is sent here)": 1,
        "secret (signing was off: not carried over)": 1,
      },
    });

    const families = Object.fromEntries(report.reported.map((r) => [r.family, r]));
    expect(families["webhook_config:* (other)"]?.items).toEqual(["webhook_config:staging"]);
    expect(families["system:service_rates"]?.reason).toMatch(/service rates: not imported/);
    expect(families["admin credentials"]).toBeDefined();
    expect(families["usage:opus:*"]).toBeDefined();
    expect(families["concurrency:*"]?.reason).toMatch(/runtime state/);
    expect(report.unexpectedTypes).toEqual([{ key: "apikey:not-a-hash", type: "string", expected: "hash" }]);
    expect(report.indexKeys).toBeGreaterThanOrEqual(15);
  });
});

describe("an Upstash REST source", () => {
  it("reads the same keyspace as the Redis URL does", async () => {
    const bridge = await startUpstashBridge({ redisPort: source.server.port, token: "source-token" });
    try {
      const viaRedis = await runImport(false);
      const viaRest = await importFromCrs({
        source: openUpstashSource(bridge.url, "source-token"),
        crsEncryptionKey: CRS_ENCRYPTION_KEY,
        target: target.upstash,
        targetLabel: target.bridge.url,
        encryptionKey: OURS.encryptionKey,
        apply: false,
      });
      expect({ ...viaRest, source: "" }).toEqual({ ...viaRedis, source: "" });
    } finally {
      await bridge.close();
    }
  });
});

describe("an import", () => {
  let report: CrsImportReport;

  beforeAll(async () => {
    report = await runImport(true);
  });

  it("writes each relay key as the mapping says, findable only by the original's hash", async () => {
    expect(report.relayKeys.writes).toEqual({ created: 8, updated: 0, unchanged: 0 });
    const placeholder = (secret: string) => legacyPlaceholderHash(crsHash(secret));
    expect(await storedKey(IDS.alice)).toEqual({
      v: 1,
      id: IDS.alice,
      name: "alice",
      description: "Alice's laptop",
      hash: await placeholder(SECRETS.alice),
      preview: "cr_… (imported)",
      isActive: true,
      tags: ["team-a", "vip"],
      ownerId: IDS.userAlice,
      createdAt: CREATED,
      // Moved to the import's time: the spend it carries over is new to the key's gate.
      updatedAt: expect.stringMatching(/^20\d\d-\d\d-\d\dT/),
      // The original's counters for the key's daily, weekly (the fixture's counter is this week's
      // only on its reset day) and total limits, for its gate to count.
      carriedSpend: {
        importId: expect.stringMatching(/^crs:/),
        dayStart: new Date(Date.parse(`${stamps.day}T00:00:00.000Z`) - 8 * 3_600_000).toISOString(),
        dayCostMicroUsd: 1_250_000,
        weekStart: expect.any(String),
        weekCostMicroUsd: spendKeysOf(
          IDS.alice,
          keyLimitsSchema.parse({ weeklyResetDay: 3, weeklyResetHour: 6 }),
          Date.now(),
          8,
        ).weekly.includes(`usage:opus:weekly:${IDS.alice}:${stamps.day}T06`)
          ? 1_250_000
          : 0,
        totalCostMicroUsd: 12_345_678,
      },
      expiry: { mode: "fixed", expiresAt: "2099-01-01T00:00:00.000Z" },
      limits: {
        tokenLimit: 0,
        concurrencyLimit: 3,
        concurrencyQueueSeconds: 0,
        rateLimitWindowMinutes: 60,
        rateLimitRequests: 100,
        rateLimitCost: 5,
        dailyCostLimit: 20,
        totalCostLimit: 500,
        weeklyCostLimit: 50,
        weeklyResetDay: 3,
        weeklyResetHour: 6,
        restrictedModels: ["claude-opus-4-1"],
        allowedClients: [],
        permissions: ["claude"],
        platformLimits: [],
        modelLimits: [],
        rateMultiplier: 1,
      },
      boundAccounts: { claude: IDS.console },
    });
    const bob = await storedKey(IDS.bob);
    expect(bob.expiry).toEqual({ mode: "activation", days: 30 });
    expect(bob.limits.allowedClients).toEqual(["claude_code"]);
    expect(bob.limits.permissions).toEqual([]);
    expect(bob.boundAccounts).toEqual({
      claude: `group:${IDS.group}`,
      gemini: IDS.geminiApi,
      openai: IDS.openaiResponses,
    });
    expect((await storedKey(IDS.frank)).boundAccounts).toEqual({ claude: `group:${IDS.group}` });
    // Bedrock and CCR accounts serve Claude requests here: bindings to them are Claude bindings.
    expect((await storedKey(IDS.grace)).boundAccounts).toEqual({ claude: IDS.bedrock });
    expect((await storedKey(IDS.heidi)).boundAccounts).toEqual({ claude: IDS.ccr });
    const carol = await storedKey(IDS.carol);
    expect(carol.expiry).toEqual({
      mode: "activation",
      days: 30,
      activatedAt: new Date(stamps.now - 86_400_000).toISOString(),
    });
    expect(carol.boundAccounts).toEqual({ claude: IDS.oauth });
    expect(carol.limits.tokenLimit).toBe(1_000_000);
    expect((await storedKey(IDS.dave)).isActive).toBe(false);
    // Refused while its owner is disabled, and restored as it was when the user is enabled here.
    expect(await storedKey(IDS.erin)).toMatchObject({
      isActive: true,
      ownerDisabled: true,
      ownerId: IDS.userErin,
    });
    expect(await target.direct.get(keys.relayKey(IDS.deleted))).toBeNull();
    expect(await target.direct.get(keys.relayKey(IDS.corrupt))).toBeNull();

    const imported = [IDS.alice, IDS.bob, IDS.carol, IDS.dave, IDS.erin, IDS.frank, IDS.grace, IDS.heidi];
    expect((await target.direct.smembers(keys.relayKeyIndex())).sort()).toEqual([...imported].sort());
    const legacy = await target.direct.hgetall(keys.legacyKeyByHash());
    expect(legacy).toEqual(
      Object.fromEntries(
        (["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"] as const).map((name) => [
          crsHash(SECRETS[name]),
          IDS[name],
        ]),
      ),
    );
    // Nothing findable by our own hash yet, and no key anywhere in clear.
    expect(await target.direct.hlen(keys.relayKeyByHash())).toBe(0);
    const everything = JSON.stringify(await dump(target.direct));
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });

  it("writes the accounts, their credentials sealed with our key and equal to the original plaintext", async () => {
    expect(await storedAccount(IDS.console)).toMatchObject({
      type: "claude-console",
      platform: "claude",
      name: "team-console",
      baseUrl: "",
      priority: 10,
      schedulable: true,
      shared: true,
      isActive: true,
      concurrencyLimit: 4,
      models: [],
      dailyCostLimitUsd: 25,
      subscriptionExpiresAt: "2027-01-31T00:00:00.000Z",
      stopAt5hPercent: 0,
      allowOtherClients: false,
      createdAt: CREATED,
    });
    expect(await credentialsOf(IDS.console)).toEqual({ apiKey: SECRETS.consoleApiKey });
    expect(await storedAccount(IDS.consoleDedicated)).toMatchObject({
      baseUrl: "https://relay.example.com/api",
      // Dedicated in the original: kept out of the shared pool, still serving the keys bound to it.
      schedulable: true,
      shared: false,
      models: ["claude-sonnet-4-5"],
      // The original's model map renames it for this account.
      settings: { modelMapping: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" } },
      dailyCostLimitUsd: 0,
      subscriptionExpiresAt: null,
    });
    expect(await credentialsOf(IDS.consoleDedicated)).toEqual({ apiKey: SECRETS.dedicatedApiKey });
    // Its proxy, in clear where it is and sealed whole with our key (worker/proxy/).
    const { proxy } = await storedAccount(IDS.consoleDedicated);
    expect(proxy).toMatchObject({ type: "socks5", host: "127.0.0.1", port: 1080 });
    const sealing = await importSealingKey(OURS.encryptionKey);
    expect(await unseal([sealing], proxy?.sealed ?? "")).toBe("socks5://127.0.0.1:1080");
    expect(await storedAccount(IDS.oauth)).toMatchObject({
      type: "claude-oauth",
      priority: 20,
      stopAt5hPercent: 90,
      allowOtherClients: false,
      dailyCostLimitUsd: 0,
      subscriptionExpiresAt: "2026-12-31T16:00:00.000Z",
    });
    expect(await credentialsOf(IDS.oauth)).toEqual({
      accessToken: SECRETS.oauthAccess,
      refreshToken: SECRETS.oauthRefresh,
      expiresAt: stamps.now + 30 * 86_400_000,
      scopes: ["user:inference", "user:profile"],
    });
    expect(await storedAccount(IDS.geminiOauth)).toMatchObject({
      type: "gemini-oauth",
      platform: "gemini",
      updatedAt: "2025-07-01T00:00:00.000Z",
      models: ["gemini-2.5-pro", "gemini-2.5-flash"],
      settings: { modelMapping: { "gemini-2.5-pro": "gemini-2.5-pro-preview-06-05" } },
    });
    expect(await credentialsOf(IDS.geminiOauth)).toEqual({
      accessToken: SECRETS.geminiAccess,
      refreshToken: SECRETS.geminiRefresh,
      expiresAt: Date.parse("2030-01-01T00:00:00.000Z"),
      scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      projectId: "temp-project-7",
    });
    expect(await storedAccount(IDS.geminiApi)).toMatchObject({
      type: "gemini-api",
      baseUrl: "",
      models: ["gemini-2.5-pro", "gemini-2.5-flash"],
    });
    expect(await credentialsOf(IDS.geminiApi)).toEqual({ apiKey: SECRETS.geminiApiKey });
    expect(await storedAccount(IDS.openaiOauth)).toMatchObject({ type: "openai-oauth", concurrencyLimit: 2 });
    expect(await credentialsOf(IDS.openaiOauth)).toEqual({
      accessToken: SECRETS.openaiAccess,
      refreshToken: SECRETS.openaiRefresh,
      expiresAt: Date.parse("2030-01-01T00:00:00.000Z"),
      scopes: [],
      chatgptAccountId: "chatgpt-account-42",
    });
    expect(await storedAccount(IDS.openaiResponses)).toMatchObject({
      type: "openai-api",
      baseUrl: "",
      dailyCostLimitUsd: 7.5,
      subscriptionExpiresAt: null,
    });
    expect((await storedAccount(IDS.openaiResponses)).settings).toBeUndefined();
    expect(await credentialsOf(IDS.openaiResponses)).toEqual({ apiKey: SECRETS.openaiResponsesKey });
    expect(
      await target.direct.exists(
        keys.account(IDS.consoleBadKey),
        keys.account(IDS.droidOauth),
        keys.account(IDS.bedrockCorrupt),
      ),
    ).toBe(0);
    expect((await target.direct.smembers(keys.accountIndex())).length).toBe(11);
  });

  it("writes the Azure, Bedrock, Droid and CCR accounts, each decrypted with its own scheme", async () => {
    expect(await storedAccount(IDS.azure)).toMatchObject({
      type: "azure-openai",
      platform: "openai",
      baseUrl: "https://east.openai.azure.com",
      priority: 21,
      models: [],
      settings: { deployment: "gpt-4o", apiVersion: "2024-02-01" },
    });
    expect(await credentialsOf(IDS.azure)).toEqual({ apiKey: SECRETS.azureApiKey });
    expect(await storedAccount(IDS.bedrock)).toMatchObject({
      type: "bedrock",
      platform: "claude",
      name: "bedrock-us",
      description: "Claude on AWS",
      priority: 30,
      schedulable: true,
      isActive: true,
      settings: { region: "us-west-2", defaultModel: "us.anthropic.claude-sonnet-4-20250514-v1:0" },
      createdAt: CREATED,
    });
    expect(await credentialsOf(IDS.bedrock)).toEqual({
      accessKeyId: BEDROCK_ACCESS_KEY,
      secretAccessKey: SECRETS.bedrockSecret,
    });
    expect(await storedAccount(IDS.droid)).toMatchObject({
      type: "droid",
      platform: "droid",
      baseUrl: "",
      settings: { userAgent: "factory-cli/0.30.0" },
    });
    expect(await credentialsOf(IDS.droid)).toEqual({ apiKey: SECRETS.droidKey });
    // CCR: a Claude Console account at the router's URL, out of the shared pool as there.
    expect(await storedAccount(IDS.ccr)).toMatchObject({
      type: "claude-console",
      platform: "claude",
      baseUrl: "https://ccr.example.com",
      schedulable: true,
      shared: false,
    });
    expect(await credentialsOf(IDS.ccr)).toEqual({ apiKey: SECRETS.ccrKey });
  });

  it("writes usage and cost totals equal to the original's", async () => {
    const d = { kind: "daily", stamp: stamps.day } as const;
    expect(await bucket("key", IDS.alice, { kind: "total" })).toEqual(
      counters({
        requests: 12,
        inputTokens: 1000,
        outputTokens: 2000,
        cacheCreateTokens: 300,
        cacheReadTokens: 4000,
        ephemeral5mTokens: 200,
        ephemeral1hTokens: 100,
        costMicroUsd: 12_345_678,
      }),
    );
    expect(await bucket("key", IDS.alice, d)).toEqual(
      counters({ ...TODAY, ...TODAY_EPH, costMicroUsd: 1_250_000 }),
    );
    expect(await bucket("key", IDS.alice, { kind: "daily", stamp: stamps.yesterday })).toEqual(
      counters({ inputTokens: 50, outputTokens: 60, requests: 1, costMicroUsd: 500_000 }),
    );
    expect(await bucket("key", IDS.alice, { kind: "monthly", stamp: stamps.month })).toMatchObject({
      requests: 3,
      inputTokens: 150,
      costMicroUsd: 1_750_000,
    });
    expect(await bucket("key", IDS.alice, { kind: "hourly", stamp: stamps.hour })).toMatchObject({
      requests: 2,
      costMicroUsd: 1_250_000,
    });
    expect(await bucket("key", IDS.carol, { kind: "total" })).toEqual(
      counters({ requests: 1, inputTokens: 10, outputTokens: 20, costMicroUsd: 10_000 }),
    );
    const model = "claude-sonnet-4-5";
    expect(await bucket("key-model", `${IDS.alice}|${model}`, d)).toEqual(
      counters({ ...TODAY, ...TODAY_EPH, costMicroUsd: 1_250_000 }),
    );
    expect(await bucket("model", model, { kind: "total" })).toMatchObject({
      requests: 12,
      costMicroUsd: 12_345_678,
    });
    expect(await bucket("model", model, { kind: "hourly", stamp: stamps.hour })).toMatchObject({
      requests: 2,
      costMicroUsd: 1_250_000,
    });
    expect(await bucket("account", IDS.console, { kind: "total" })).toMatchObject({
      requests: 12,
      costMicroUsd: 0,
    });
    // System: the global hashes, and every key's cost (the deleted key's included).
    expect(await bucket("system", "all", { kind: "total" })).toEqual(
      counters({
        requests: 14,
        inputTokens: 1015,
        outputTokens: 2025,
        cacheCreateTokens: 300,
        cacheReadTokens: 4000,
        ephemeral5mTokens: 200,
        ephemeral1hTokens: 100,
        costMicroUsd: 12_357_678,
      }),
    );
    // Bucket lifetimes follow the original's (its remaining TTL), totals never expire.
    expect(await target.direct.ttl(keys.usage("key", IDS.alice, d))).toBeGreaterThan(31 * 86_400);
    expect(await target.direct.ttl(keys.usage("key", IDS.alice, { kind: "total" }))).toBe(-1);
    expect(await target.direct.smembers(keys.keyModelIndex(IDS.alice))).toEqual([model]);
    expect((await target.direct.smembers(keys.usageIndex("key"))).sort()).toEqual(
      [IDS.alice, IDS.carol].sort(),
    );
  });

  it("writes the account groups with the imported members of their platform", async () => {
    expect(await storedGroup(IDS.group)).toEqual({
      v: 1,
      id: IDS.group,
      name: "night-shift",
      platform: "claude",
      description: "OAuth only, at night",
      memberIds: [IDS.oauth],
      createdAt: CREATED,
      updatedAt: CREATED,
    });
    expect(await storedGroup(IDS.groupGemini)).toMatchObject({
      platform: "gemini",
      memberIds: [IDS.geminiOauth, IDS.geminiApi],
    });
    expect(await target.direct.get(keys.accountGroup(IDS.groupCorrupt))).toBeNull();
    expect((await target.direct.smembers(keys.accountGroupIndex())).sort()).toEqual(
      [IDS.group, IDS.groupGemini].sort(),
    );
  });

  it("writes the users, with no usable password, and keeps their keys theirs", async () => {
    const alice = await storedUser(IDS.userAlice);
    expect(alice).toEqual({
      v: 1,
      id: IDS.userAlice,
      username: "alice",
      displayName: "",
      email: "a@example.com",
      role: "user",
      passwordHash: IMPORTED_NO_PASSWORD,
      passwordChangedAt: "1970-01-01T00:00:00.000Z",
      isActive: true,
      maxKeys: 1,
      keyLimits: keyLimitsSchema.parse({}),
      createdAt: "1970-01-01T00:00:00.000Z",
      updatedAt: "1970-01-01T00:00:00.000Z",
    });
    for (const password of ["", "alice", IMPORTED_NO_PASSWORD, "no-password"])
      expect(await verifyPassword(password, alice.passwordHash)).toBe(false);
    expect(await storedUser(IDS.userBoss)).toMatchObject({
      username: "boss.lee",
      displayName: "Boss Lee",
      role: "user",
      isActive: true,
      createdAt: CREATED,
      updatedAt: "2025-06-02T08:00:00.000Z",
      lastLoginAt: "2025-07-01T09:00:00.000Z",
    });
    expect((await storedUser(IDS.userErin)).isActive).toBe(false);
    expect(await target.direct.hgetall(keys.userByName())).toEqual({
      alice: IDS.userAlice,
      erin: IDS.userErin,
      "boss.lee": IDS.userBoss,
    });
    expect((await target.direct.smembers(keys.userIndex())).sort()).toEqual(
      [IDS.userAlice, IDS.userErin, IDS.userBoss].sort(),
    );
    const keyspace = new Keyspace(target.upstash);
    expect((await keyspace.relayKeysOwnedBy(IDS.userAlice)).map((k) => k.id)).toEqual([IDS.alice]);
    expect((await keyspace.relayKeysOwnedBy(IDS.userErin)).map((k) => k.id)).toEqual([IDS.erin]);
  });

  it("writes the webhook targets the original's platforms map onto", async () => {
    const config = webhookConfigSchema.parse(
      JSON.parse((await target.direct.get(keys.webhookConfig())) ?? "null"),
    );
    const events = [
      "account.unauthorized",
      "account.rate_limited",
      "account.overloaded",
      "account.error",
      "account.recovered",
      "test",
    ];
    const common = { name: "", enabled: true, events, timeoutMs: 5000 };
    expect({ ...config, updatedAt: undefined }).toEqual({
      v: 1,
      enabled: true,
      maxRetries: 2,
      retryDelayMs: 2000,
      keyExpiryWarningDays: 3,
      updatedAt: undefined,
      targets: [
        { ...common, id: "w1", type: "slack", url: "https://hooks.slack.com/x" },
        {
          ...common,
          id: "w2",
          name: "ops",
          timeoutMs: 8000,
          type: "wecom",
          url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        },
        {
          ...common,
          id: "w3",
          type: "dingtalk",
          url: "https://oapi.dingtalk.com/robot/send?access_token=t",
          secret: "SEC-ding",
        },
        {
          ...common,
          id: "w4",
          enabled: false,
          type: "feishu",
          url: "https://open.feishu.cn/open-apis/bot/v2/hook/h",
        },
        {
          ...common,
          id: "w5",
          type: "telegram",
          botToken: "123456:ABC-def",
          chatId: "-100123",
          url: "https://tg.example.com",
        },
        {
          ...common,
          id: "w6",
          type: "bark",
          deviceKey: "bark-device-key-0123456789",
          url: "https://bark.example.com",
          sound: "bell",
        },
        { ...common, id: "w8", type: "custom", url: "https://hooks.example.com/crs" },
      ],
    });
  });

  it("changes nothing when run a second time", async () => {
    const before = await dump(target.direct);
    const again = await runImport(true);
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    expect(again.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 11 });
    expect(again.groups.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(again.users.writes).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(again.webhooks.writes).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(again.usage.writes).toEqual({ created: 0, updated: 0, unchanged: 22 });
    expect(await dump(target.direct)).toEqual(before);
  });

  it("keeps what was set here since: a user's password, a webhook target added here, a Bedrock account's gateway, other clients allowed on a subscription", async () => {
    const keyspace = new Keyspace(target.upstash);
    const alice = await storedUser(IDS.userAlice);
    const changedAt = "2026-01-01T00:00:00.000Z";
    await keyspace.users.put({
      ...alice,
      passwordHash: await hashPassword("set-by-the-admin"),
      passwordChangedAt: changedAt,
      maxKeys: 5,
      updatedAt: changedAt,
    });
    const config = webhookConfigSchema.parse(
      JSON.parse((await target.direct.get(keys.webhookConfig())) ?? "null"),
    );
    const mine = webhookTargetSchema.parse({
      id: "mine",
      type: "slack",
      url: "https://hooks.slack.com/mine",
    });
    await saveWebhookConfig(keyspace, {
      ...config,
      targets: [...config.targets, mine],
      keyExpiryWarningDays: 7,
    });
    // The original has no base URL for Bedrock accounts (it calls AWS): one set here stays.
    const bedrock = await storedAccount(IDS.bedrock);
    await keyspace.putAccount({
      ...bedrock,
      baseUrl: "https://bedrock-gateway.example.com",
      updatedAt: changedAt,
    });
    // The original has no such option (it disguised other clients): allowing them here stays.
    await keyspace.putAccount({
      ...(await storedAccount(IDS.oauth)),
      allowOtherClients: true,
      updatedAt: changedAt,
    });

    const before = await dump(target.direct);
    const again = await runImport(true);
    expect(again.users.writes).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(again.webhooks.writes).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(again.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 11 });
    expect((await storedAccount(IDS.bedrock)).baseUrl).toBe("https://bedrock-gateway.example.com");
    expect((await storedAccount(IDS.oauth)).allowOtherClients).toBe(true);
    expect(await dump(target.direct)).toEqual(before);
    expect(await verifyPassword("set-by-the-admin", (await storedUser(IDS.userAlice)).passwordHash)).toBe(
      true,
    );
    expect(again.users.notes).toEqual([expect.stringMatching(/^2 user\(s\) without a password here/)]);
  });

  it("keeps ours for every field a source record lacks: a key's settings, a user's name and e-mail, a group's time, a webhook target's name and timeout", async () => {
    const keyspace = new Keyspace(target.upstash);
    const changedAt = "2026-02-01T00:00:00.000Z";
    // Set here: values the original's records below do not carry (or never do, like the wait
    // for a concurrency slot, which is ours alone).
    const alice = await storedKey(IDS.alice);
    await target.direct.set(
      keys.relayKey(IDS.alice),
      JSON.stringify({ ...alice, limits: { ...alice.limits, concurrencyQueueSeconds: 30 } }),
    );
    await keyspace.users.put({ ...(await storedUser(IDS.userAlice)), displayName: "Alice Liddell" });
    await keyspace.users.put({ ...(await storedUser(IDS.userErin)), email: "erin@example.com" });
    await keyspace.putAccountGroup({ ...(await storedGroup(IDS.groupGemini)), updatedAt: changedAt });
    const config = webhookConfigSchema.parse(
      JSON.parse((await target.direct.get(keys.webhookConfig())) ?? "null"),
    );
    await saveWebhookConfig(keyspace, {
      ...config,
      targets: config.targets.map((t) => (t.id === "w1" ? { ...t, name: "alerts", timeoutMs: 7000 } : t)),
    });
    // Alice's key as an older version of the original wrote it: without the settings added since.
    const aliceKey = `apikey:${IDS.alice}`;
    const lacking = [
      "description",
      "tags",
      "permissions",
      "dailyCostLimit",
      "totalCostLimit",
      "weeklyOpusCostLimit",
      "weeklyResetDay",
      "weeklyResetHour",
      "rateLimitCost",
      "enableModelRestriction",
      "restrictedModels",
      "expirationMode",
      "expiresAt",
      "userId",
      "userUsername",
      "updatedAt",
    ];
    const saved = await source.client.hgetall(aliceKey);
    await source.client.hdel(aliceKey, ...lacking);
    try {
      const before = await dump(target.direct);
      const dry = await runImport(false);
      for (const family of [dry.relayKeys, dry.users, dry.groups, dry.webhooks])
        expect(family.changes).toEqual([]);
      expect(dry.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
      expect(dry.users.writes).toEqual({ created: 0, updated: 0, unchanged: 3 });
      expect(dry.groups.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
      expect(dry.webhooks.writes).toEqual({ created: 0, updated: 0, unchanged: 1 });
      await runImport(true);
      expect(await dump(target.direct)).toEqual(before);
    } finally {
      await source.client.hset(aliceKey, saved);
    }
  });

  it("lets the Worker find a key by the original's hash and upgrade it to ours; a re-import keeps the upgrade", async () => {
    const pending: Promise<unknown>[] = [];
    const services = {
      config: { CRS_ENCRYPTION_KEY },
      keyspace: new Keyspace(target.upstash),
    };
    const ours = await hashRelayKey(OURS.keyHashSecret, SECRETS.alice);
    expect(await crsKeyHash(SECRETS.alice, CRS_ENCRYPTION_KEY)).toBe(crsHash(SECRETS.alice));
    const found = await findLegacyKey(services, SECRETS.alice, ours, (p) => pending.push(p));
    expect(found).toMatchObject({
      id: IDS.alice,
      hash: ours,
      preview: `${SECRETS.alice.slice(0, 7)}…${SECRETS.alice.slice(-4)}`,
    });
    await Promise.all(pending);
    expect((await storedKey(IDS.alice)).hash).toBe(ours);
    expect(await target.direct.hget(keys.relayKeyByHash(), ours)).toBe(IDS.alice);
    expect(await target.direct.hget(keys.legacyKeyByHash(), crsHash(SECRETS.alice))).toBeNull();
    // A wrong key, or a key of the original that was never imported, finds nothing.
    const wrong = `cr_${"0".repeat(64)}`;
    expect(
      await findLegacyKey(services, wrong, await hashRelayKey(OURS.keyHashSecret, wrong), () => {}),
    ).toBeNull();
    expect(
      await findLegacyKey(
        services,
        SECRETS.deleted,
        await hashRelayKey(OURS.keyHashSecret, SECRETS.deleted),
        () => {},
      ),
    ).toBeNull();

    const before = await dump(target.direct);
    const again = await runImport(true);
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    expect(await dump(target.direct)).toEqual(before);
  });
});

describe("the original's JSON exports as input", () => {
  let fresh: TestKeyspace;
  let dir: string;
  const file = (name: string) => join(dir, name);

  async function importFile(path: string, apply: boolean): Promise<CrsImportReport> {
    return importFromCrs({
      source: openJsonSource(path, CRS_ENCRYPTION_KEY),
      crsEncryptionKey: CRS_ENCRYPTION_KEY,
      target: fresh.upstash,
      targetLabel: fresh.bridge.url,
      encryptionKey: OURS.encryptionKey,
      apply,
    });
  }

  async function importRedis(apply: boolean): Promise<CrsImportReport> {
    const reader = await openRedisSource(source.url);
    try {
      return await importFromCrs({
        source: reader,
        crsEncryptionKey: CRS_ENCRYPTION_KEY,
        target: fresh.upstash,
        targetLabel: fresh.bridge.url,
        encryptionKey: OURS.encryptionKey,
        apply,
      });
    } finally {
      await reader.close();
    }
  }

  async function freshRecord(key: string): Promise<unknown> {
    return JSON.parse((await fresh.direct.get(key)) ?? "null");
  }

  /** What a JSON import must not take away from what the Redis import wrote. */
  async function importedState() {
    const ours = new Keyspace(fresh.upstash);
    const bound = async (id: string) =>
      relayKeyRecordSchema.parse(await freshRecord(keys.relayKey(id))).boundAccounts;
    return {
      aliceCost: (await ours.getUsage("key", IDS.alice, { kind: "total" })).costMicroUsd,
      aliceToday: (await ours.getUsage("key", IDS.alice, { kind: "daily", stamp: stamps.day })).costMicroUsd,
      aliceHour: (await ours.getUsage("key", IDS.alice, { kind: "hourly", stamp: stamps.hour })).costMicroUsd,
      carolCost: (await ours.getUsage("key", IDS.carol, { kind: "total" })).costMicroUsd,
      system: await ours.getUsage("system", "all", { kind: "total" }),
      alice: await bound(IDS.alice),
      bob: await bound(IDS.bob),
      frank: await bound(IDS.frank),
      grace: await bound(IDS.grace),
      heidi: await bound(IDS.heidi),
      dedicatedShared: accountRecordSchema.parse(await freshRecord(keys.account(IDS.consoleDedicated)))
        .shared,
    };
  }

  beforeAll(async () => {
    fresh = await startKeyspace();
    dir = await mkdtemp(join(tmpdir(), "crs-exports-"));
    const enhanced = await enhancedExportOf(source.client);
    await writeFile(file("enhanced.json"), JSON.stringify(enhanced));
    // The older exporter's file (no cost fields), here also without Carol's key: a partial source.
    const older = await enhancedExportOf(source.client, { withCosts: false });
    const olderData = older.data as { apiKeys: { id: string }[] };
    olderData.apiKeys = olderData.apiKeys.filter((k) => k.id !== IDS.carol);
    await writeFile(file("older.json"), JSON.stringify(older));
    await writeFile(file("sync.json"), JSON.stringify(await syncExportOf(source.client)));
    await writeFile(
      file("sanitized.json"),
      JSON.stringify({ ...enhanced, metadata: { ...(enhanced.metadata as object), sanitized: true } }),
    );
    await writeFile(file("other.json"), JSON.stringify({ accounts: [] }));
    const reader = await openRedisSource(source.url);
    try {
      await importFromCrs({
        source: reader,
        crsEncryptionKey: CRS_ENCRYPTION_KEY,
        target: fresh.upstash,
        targetLabel: fresh.bridge.url,
        encryptionKey: OURS.encryptionKey,
        apply: true,
      });
    } finally {
      await reader.close();
    }
  });

  afterAll(async () => {
    await fresh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("an enhanced export (data:export:enhanced) maps onto the very records the Redis import wrote", async () => {
    const report = await importFile(file("enhanced.json"), false);
    expect(report.source).toContain("(data export, version 2.0)");
    expect(report.accounts).toMatchObject({
      found: 2,
      imported: 2,
      writes: { created: 0, updated: 0, unchanged: 2 },
      byType: { "claude-oauth": 1, "gemini-oauth": 1 },
    });
    // Every key is equal: the accounts and groups Alice, Bob, Frank, Grace and Heidi are bound to
    // are not in the export but are here already, so their bindings stand. Deleted and corrupt
    // keys are skipped as from Redis.
    expect(report.relayKeys).toMatchObject({
      found: 10,
      imported: 8,
      writes: { created: 0, updated: 0, unchanged: 8 },
    });
    expect(report.relayKeys.changes).toEqual([]);
    expect(report.relayKeys.skipped.map((s) => s.id)).toEqual([
      `apikey:${IDS.deleted}`,
      `apikey:${IDS.corrupt}`,
    ]);
    expect(report.users.found).toBe(0);
    // Its usageStats carry the costs (costTotal, costDaily, costMonthly): every bucket is equal.
    expect(report.usage.imported).toBeGreaterThan(0);
    expect(report.usage.writes).toMatchObject({ created: 0, updated: 0 });
    expect(report.usage.changes).toEqual([]);
    const notes = report.reported.find((r) => r.family === "export file");
    expect(notes?.items ?? []).not.toContainEqual(expect.stringMatching(/cost/));
    expect(report.reported.find((r) => r.family === "admin credentials")).toBeUndefined();
  });

  it("an admin sync export (/admin/sync/export-accounts) maps onto the same accounts", async () => {
    const report = await importFile(file("sync.json"), false);
    expect(report.source).toContain("(admin sync export)");
    expect(report.accounts).toMatchObject({
      found: 6,
      imported: 5,
      // What that format does not carry (the dedicated account's type, the OpenAI OAuth account's
      // concurrency limit, times) is kept from the earlier import: every account is equal.
      writes: { created: 0, updated: 0, unchanged: 5 },
      byType: { "claude-oauth": 1, "claude-console": 2, "openai-oauth": 1, "openai-api": 1 },
    });
    expect(report.accounts.skipped).toEqual([
      {
        id: `claude_console_account:${IDS.consoleBadKey}`,
        reason: "corrupt: apiKey does not decrypt with the given --crs-encryption-key",
      },
    ]);
    expect(report.relayKeys.found).toBe(0);
    expect(report.reported.find((r) => r.family === "export file")?.items).toEqual([
      expect.stringMatching(/^the sync export carries no account type/),
    ]);
  });

  it("applied after a Redis import, an export changes nothing it does not carry: costs, bindings, account types", async () => {
    const before = await dump(fresh.direct);
    const imported = await importedState();
    expect(imported).toMatchObject({
      aliceCost: 12_345_678,
      aliceToday: 1_250_000,
      aliceHour: 1_250_000,
      carolCost: 10_000,
      system: { requests: 14, costMicroUsd: 12_357_678 },
      alice: { claude: IDS.console },
      bob: { claude: `group:${IDS.group}`, gemini: IDS.geminiApi, openai: IDS.openaiResponses },
      frank: { claude: `group:${IDS.group}` },
      grace: { claude: IDS.bedrock },
      heidi: { claude: IDS.ccr },
      dedicatedShared: false,
    });

    const enhanced = await importFile(file("enhanced.json"), true);
    expect(enhanced.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    expect(await importedState()).toEqual(imported);

    const sync = await importFile(file("sync.json"), true);
    expect(sync.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 5 });
    expect(await importedState()).toEqual(imported);

    // No cost fields and no Carol: her usage, every cost, and the system totals (a sum over this
    // file would be smaller) stay as the Redis import wrote them.
    const older = await importFile(file("older.json"), true);
    expect(older.usage.writes.updated).toBe(0);
    expect(await importedState()).toEqual(imported);
    expect(await dump(fresh.direct)).toEqual(before);
  });

  it("a dry run lists every field it would change, before → after", async () => {
    const alice = relayKeyRecordSchema.parse(await freshRecord(keys.relayKey(IDS.alice)));
    await fresh.direct.set(keys.relayKey(IDS.alice), JSON.stringify({ ...alice, name: "renamed here" }));
    const dedicated = accountRecordSchema.parse(await freshRecord(keys.account(IDS.consoleDedicated)));
    await fresh.direct.set(
      keys.account(IDS.consoleDedicated),
      JSON.stringify({ ...dedicated, priority: dedicated.priority + 1, shared: true, settings: undefined }),
    );
    // As an import before the account options existed wrote it: the dry run names what it now maps.
    const oauth = accountRecordSchema.parse(await freshRecord(keys.account(IDS.oauth)));
    await fresh.direct.set(
      keys.account(IDS.oauth),
      JSON.stringify({ ...oauth, stopAt5hPercent: 0, subscriptionExpiresAt: null }),
    );
    await fresh.direct.hset(keys.usage("key", IDS.alice, { kind: "total" }), { costMicroUsd: 1 });
    const group = accountGroupRecordSchema.parse(await freshRecord(keys.accountGroup(IDS.group)));
    await fresh.direct.set(keys.accountGroup(IDS.group), JSON.stringify({ ...group, name: "renamed group" }));

    const report = await importRedis(false);
    expect(report.groups.changes).toEqual([
      { id: IDS.group, field: "name", before: '"renamed group"', after: JSON.stringify(group.name) },
    ]);
    expect(report.relayKeys.changes).toEqual([
      { id: IDS.alice, field: "name", before: '"renamed here"', after: '"alice"' },
    ]);
    expect(report.accounts.changes).toEqual([
      { id: IDS.oauth, field: "stopAt5hPercent", before: "0", after: "90" },
      {
        id: IDS.oauth,
        field: "subscriptionExpiresAt",
        before: "null",
        after: '"2026-12-31T16:00:00.000Z"',
      },
      {
        id: IDS.consoleDedicated,
        field: "priority",
        before: String(dedicated.priority + 1),
        after: String(dedicated.priority),
      },
      {
        id: IDS.consoleDedicated,
        field: "settings.modelMapping.claude-sonnet-4-5",
        before: "(none)",
        after: '"claude-sonnet-4-5-20250929"',
      },
      { id: IDS.consoleDedicated, field: "shared", before: "true", after: "false" },
    ]);
    expect(report.usage.changes).toEqual([
      { id: `key ${IDS.alice} total`, field: "costMicroUsd", before: "1", after: "12345678" },
    ]);
    const text = formatReport(report);
    expect(text).toContain(`${IDS.alice}: name "renamed here" → "alice"`);
    expect(text).toContain(`${IDS.consoleDedicated}: shared true → false`);
    expect(text).toContain(`${IDS.oauth}: stopAt5hPercent 0 → 90`);
    expect(text).toContain(`key ${IDS.alice} total: costMicroUsd 1 → 12345678`);

    await importRedis(true);
    const again = await importRedis(false);
    for (const family of [again.relayKeys, again.accounts, again.groups, again.usage])
      expect(family.changes).toEqual([]);
  });

  it("keys a file does not fully carry keep ours for every missing field; a field it carries is applied; a new key gets the original's defaults", async () => {
    // The keys reduced to what identifies them (an export of an older version of the original,
    // whose hashes lack every setting added since, at its barest), except one changed limit;
    // plus a key that is not here yet.
    const newcomer = "6f2b7c1e-0a51-4c0e-9d5e-1a0000000099";
    const bare = await enhancedExportOf(source.client);
    const data = bare.data as { apiKeys: Record<string, unknown>[] };
    data.apiKeys = data.apiKeys
      .filter((k) => k.id !== IDS.deleted && k.id !== IDS.corrupt)
      .map((k) => ({
        id: k.id,
        apiKey: k.apiKey,
        ...(k.id === IDS.alice ? { dailyCostLimit: "25" } : {}),
      }));
    data.apiKeys.push({ id: newcomer, apiKey: crsHash("cr_newcomer") });
    await writeFile(file("bare.json"), JSON.stringify(bare));
    const here = [IDS.alice, IDS.bob, IDS.carol, IDS.dave, IDS.erin, IDS.frank, IDS.grace, IDS.heidi];
    const storedHere = async (id: string) => relayKeyRecordSchema.parse(await freshRecord(keys.relayKey(id)));
    const before = new Map(await Promise.all(here.map(async (id) => [id, await storedHere(id)] as const)));
    const alice = before.get(IDS.alice);
    expect(alice?.limits.dailyCostLimit).toBe(20);

    const dry = await importFile(file("bare.json"), false);
    expect(dry.relayKeys.writes).toEqual({ created: 1, updated: 1, unchanged: 7 });
    expect(dry.relayKeys.changes).toEqual([
      { id: IDS.alice, field: "limits.dailyCostLimit", before: "20", after: "25" },
    ]);

    await importFile(file("bare.json"), true);
    for (const id of here)
      expect(await storedHere(id)).toEqual(
        id === IDS.alice && alice
          ? { ...alice, limits: { ...alice.limits, dailyCostLimit: 25 } }
          : before.get(id),
      );
    // A key created by the import takes the original's defaults for what its record lacks.
    expect(await storedHere(newcomer)).toEqual({
      v: 1,
      id: newcomer,
      name: "Imported key 6f2b7c1e",
      description: "",
      hash: await legacyPlaceholderHash(crsHash("cr_newcomer")),
      preview: "cr_… (imported)",
      isActive: false,
      tags: [],
      createdAt: "1970-01-01T00:00:00.000Z",
      updatedAt: "1970-01-01T00:00:00.000Z",
      expiry: { mode: "never" },
      limits: keyLimitsSchema.parse({}),
      boundAccounts: {},
    });
    const again = await importFile(file("bare.json"), false);
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 9 });
    // Back as the original has it.
    await importRedis(true);
    expect((await storedHere(IDS.alice)).limits.dailyCostLimit).toBe(20);
  });

  it("refuses a sanitized export and a file of another shape, naming why", () => {
    expect(() => openJsonSource(file("sanitized.json"), CRS_ENCRYPTION_KEY)).toThrow(/sanitized export/);
    expect(() => openJsonSource(file("other.json"), CRS_ENCRYPTION_KEY)).toThrow(
      /not one of the original's export formats/,
    );
  });

  it("imported into an empty keyspace, an enhanced export brings its keys and accounts over", async () => {
    await fresh.direct.flushdb();
    const report = await importFile(file("enhanced.json"), true);
    expect(report.relayKeys.writes.created).toBe(8);
    const carol = relayKeyRecordSchema.parse(
      JSON.parse((await fresh.direct.get(keys.relayKey(IDS.carol))) ?? ""),
    );
    expect(carol).toMatchObject({
      hash: await legacyPlaceholderHash(crsHash(SECRETS.carol)),
      boundAccounts: { claude: IDS.oauth },
      limits: { tokenLimit: 1_000_000 },
    });
    expect(await fresh.direct.hget(keys.legacyKeyByHash(), crsHash(SECRETS.alice))).toBe(IDS.alice);
    const oauth = accountRecordSchema.parse(
      JSON.parse((await fresh.direct.get(keys.account(IDS.oauth))) ?? ""),
    );
    expect(JSON.parse(await unseal([await importSealingKey(OURS.encryptionKey)], oauth.credentials))).toEqual(
      {
        accessToken: SECRETS.oauthAccess,
        refreshToken: SECRETS.oauthRefresh,
        expiresAt: stamps.now + 30 * 86_400_000,
        scopes: ["user:inference", "user:profile"],
      },
    );
    const usage = await new Keyspace(fresh.upstash).getUsage("key", IDS.alice, { kind: "total" });
    expect(usage).toMatchObject({ requests: 12, inputTokens: 1000, costMicroUsd: 12_345_678 });
    const ours = new Keyspace(fresh.upstash);
    expect(await ours.getUsage("key", IDS.alice, { kind: "daily", stamp: stamps.day })).toMatchObject({
      requests: 2,
      costMicroUsd: 1_250_000,
    });
    expect(await ours.getUsage("key", IDS.alice, { kind: "monthly", stamp: stamps.month })).toMatchObject({
      requests: 3,
      costMicroUsd: 1_750_000,
    });
    expect((await ours.getUsage("key", IDS.carol, { kind: "total" })).costMicroUsd).toBe(10_000);
    const everything = JSON.stringify(await dump(fresh.direct));
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    const again = await importFile(file("enhanced.json"), true);
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    expect(again.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
  });
});

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "migrations/crs/cli.ts"), ...args], {
      env: { ...process.env, CRS_ENCRYPTION_KEY: "", ENCRYPTION_KEY: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("the CLI (npm run migrate:crs)", () => {
  it("imports into a fresh keyspace with --apply --json, then a dry run finds everything equal", async () => {
    await target.direct.flushdb();
    const flags = [
      "--from",
      source.url,
      "--crs-encryption-key",
      CRS_ENCRYPTION_KEY,
      "--to",
      target.bridge.url,
      "--to-token",
      target.token,
      "--key-hash-secret",
      OURS.keyHashSecret,
      "--encryption-key",
      OURS.encryptionKey,
    ];
    const applied = await runCli([...flags, "--apply", "--json"]);
    expect(applied.code, applied.stderr).toBe(0);
    const report = JSON.parse(applied.stdout) as CrsImportReport;
    expect(report.mode).toBe("apply");
    expect(report.relayKeys.writes.created).toBe(8);
    expect(report.accounts.writes.created).toBe(11);
    expect(report.users.writes.created).toBe(3);
    expect(report.usage.writes.created).toBe(22);
    expect(await credentialsOf(IDS.console)).toEqual({ apiKey: SECRETS.consoleApiKey });

    const dry = await runCli(flags);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: nothing written");
    expect(dry.stdout).toContain(
      "relay keys   found 10, imported 8 (would create 0, update 0; 8 already equal), skipped 2",
    );
    expect(dry.stdout).toContain(
      `skipped apikey:${IDS.corrupt}: corrupt: tokenLimit: "lots" is not a number`,
    );
    expect(dry.stdout).not.toContain(CRS_ENCRYPTION_KEY);

    const dir = await mkdtemp(join(tmpdir(), "crs-cli-"));
    try {
      const exported = join(dir, "backup.json");
      await writeFile(exported, JSON.stringify(await enhancedExportOf(source.client)));
      const fromFile = await runCli([...flags.slice(2), "--from", exported, "--json"]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      const fileReport = JSON.parse(fromFile.stdout) as CrsImportReport;
      expect(fileReport.source).toBe(`${exported} (data export, version 2.0)`);
      expect(fileReport.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const missing = await runCli(["--from", source.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--crs-encryption-key is required");
  });
});
