// The Claude Relay Service importer against a fixture keyspace in the original's layout
// (crs-fixture.ts) in a real redis-server, importing into a fresh keyspace of ours (another
// redis-server behind the Upstash bridge): as a function, and once as the CLI.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../dev/stack.ts";
import { startUpstashBridge } from "../../dev/upstash-bridge.ts";
import { importFromCrs } from "../../migrations/crs/importer.ts";
import type { CrsImportReport } from "../../migrations/crs/report.ts";
import { openRedisSource, openUpstashSource } from "../../migrations/crs/source.ts";
import { hashRelayKey, importSealingKey, unseal } from "../../worker/keyspace/crypto.ts";
import { keys, type UsageOwner, type UsagePeriod } from "../../worker/keyspace/keys.ts";
import { accountRecordSchema, relayKeyRecordSchema } from "../../worker/keyspace/records.ts";
import { Keyspace } from "../../worker/keyspace/store.ts";
import { crsKeyHash, findLegacyKey, legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import {
  CRS_ENCRYPTION_KEY,
  crsHash,
  type FixtureStamps,
  IDS,
  SECRETS,
  writeCrsFixture,
} from "./crs-fixture.ts";
import { dump, startKeyspace, startSourceRedis, type TestKeyspace } from "./helpers.ts";

const OURS = {
  keyHashSecret: randomBytes(32).toString("base64url"),
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
      found: 7,
      imported: 5,
      writes: { created: 5, updated: 0, unchanged: 0 },
    });
    expect(report.relayKeys.skipped).toEqual([
      { id: `apikey:${IDS.deleted}`, reason: "deleted in the original (soft-deleted)" },
      { id: `apikey:${IDS.corrupt}`, reason: 'corrupt: tokenLimit: "lots" is not a number' },
    ]);
    expect(report.relayKeys.notMapped).toEqual({
      "allowedClients (a client we do not know)": 1,
      "bedrockAccountId (platform not supported yet)": 1,
      "claudeAccountId (bound to an account group: we have no groups yet)": 1,
      "icon (key icon)": 1,
      "serviceRates (per-key cost multipliers: not supported yet)": 1,
    });
    expect(report.relayKeys.notes).toEqual([
      `${IDS.erin}: owner erin is disabled: key imported disabled, as the original refuses it`,
    ]);

    expect(report.accounts).toMatchObject({
      found: 12,
      imported: 7,
      writes: { created: 7, updated: 0, unchanged: 0 },
      byType: {
        "claude-console": 2,
        "claude-oauth": 1,
        "gemini-oauth": 1,
        "gemini-api": 1,
        "openai-oauth": 1,
        "openai-api": 1,
      },
    });
    // Accounts of platforms we cannot serve are listed with their ids, not dropped silently.
    expect(report.accounts.skipped).toEqual(
      expect.arrayContaining([
        {
          id: `azure_openai:account:${IDS.azure}`,
          reason: "platform azure-openai is not supported here yet",
        },
        { id: `bedrock_account:${IDS.bedrock}`, reason: "platform bedrock is not supported here yet" },
        { id: `droid:account:${IDS.droid}`, reason: "platform droid is not supported here yet" },
        { id: `ccr_account:${IDS.ccr}`, reason: "platform ccr is not supported here yet" },
        {
          id: `claude_console_account:${IDS.consoleBadKey}`,
          reason: "corrupt: apiKey does not decrypt with the given --crs-encryption-key",
        },
      ]),
    );
    expect(report.accounts.skipped).toHaveLength(5);
    expect(report.accounts.notMapped).toMatchObject({
      "accountType=dedicated (imported unschedulable: no dedicated or group accounts here)": 1,
      "proxy (per-account proxy: Workers cannot use one)": 1,
      "supportedModels (model mapping: served models kept, renaming dropped)": 1,
      "userAgent (custom User-Agent)": 1,
      "email (login email, not needed)": 2,
      "subscriptionInfo (subscription info)": 1,
    });

    expect(report.usage).toMatchObject({ imported: 21, writes: { created: 21, updated: 0, unchanged: 0 } });
    expect(report.usage.skipped).toEqual(
      expect.arrayContaining([
        { id: `account ${IDS.azure}`, reason: "usage of an account that is not imported" },
        { id: `key ${IDS.deleted}`, reason: "usage of a key that is not imported (2 buckets)" },
        {
          id: `usage:daily:${IDS.bob}:${stamps.day}`,
          reason: 'corrupt: inputTokens: "many" is not a count',
        },
      ]),
    );

    const families = Object.fromEntries(report.reported.map((r) => [r.family, r]));
    expect(families["users (user:*)"]).toMatchObject({ count: 2 });
    expect(families["account groups (account_group:*)"]?.items).toEqual([
      `night-shift [claude] ${IDS.group}: 2 members`,
    ]);
    expect(families["webhook config (webhook_config:*)"]?.items).toEqual([
      "default: enabled, 1 platform(s) (slack)",
    ]);
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
    expect(report.relayKeys.writes).toEqual({ created: 5, updated: 0, unchanged: 0 });
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
      updatedAt: CREATED,
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
      },
      boundAccounts: { claude: IDS.console },
    });
    const bob = await storedKey(IDS.bob);
    expect(bob.expiry).toEqual({ mode: "activation", days: 30 });
    expect(bob.limits.allowedClients).toEqual(["claude_code"]);
    expect(bob.limits.permissions).toEqual([]);
    expect(bob.boundAccounts).toEqual({ gemini: IDS.geminiApi, openai: IDS.openaiResponses });
    const carol = await storedKey(IDS.carol);
    expect(carol.expiry).toEqual({
      mode: "activation",
      days: 30,
      activatedAt: new Date(stamps.now - 86_400_000).toISOString(),
    });
    expect(carol.boundAccounts).toEqual({ claude: IDS.oauth });
    expect(carol.limits.tokenLimit).toBe(1_000_000);
    expect((await storedKey(IDS.dave)).isActive).toBe(false);
    expect((await storedKey(IDS.erin)).isActive).toBe(false);
    expect(await target.direct.get(keys.relayKey(IDS.deleted))).toBeNull();
    expect(await target.direct.get(keys.relayKey(IDS.corrupt))).toBeNull();

    const imported = [IDS.alice, IDS.bob, IDS.carol, IDS.dave, IDS.erin];
    expect((await target.direct.smembers(keys.relayKeyIndex())).sort()).toEqual([...imported].sort());
    const legacy = await target.direct.hgetall(keys.legacyKeyByHash());
    expect(legacy).toEqual(
      Object.fromEntries(
        (["alice", "bob", "carol", "dave", "erin"] as const).map((name) => [
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
      isActive: true,
      concurrencyLimit: 4,
      models: [],
      createdAt: CREATED,
    });
    expect(await credentialsOf(IDS.console)).toEqual({ apiKey: SECRETS.consoleApiKey });
    expect(await storedAccount(IDS.consoleDedicated)).toMatchObject({
      baseUrl: "https://relay.example.com/api",
      schedulable: false,
      models: ["claude-sonnet-4-5"],
    });
    expect(await credentialsOf(IDS.consoleDedicated)).toEqual({ apiKey: SECRETS.dedicatedApiKey });
    expect(await storedAccount(IDS.oauth)).toMatchObject({ type: "claude-oauth", priority: 20 });
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
    expect(await storedAccount(IDS.openaiResponses)).toMatchObject({ type: "openai-api", baseUrl: "" });
    expect(await credentialsOf(IDS.openaiResponses)).toEqual({ apiKey: SECRETS.openaiResponsesKey });
    expect(await target.direct.exists(keys.account(IDS.consoleBadKey), keys.account(IDS.azure))).toBe(0);
    expect((await target.direct.smembers(keys.accountIndex())).length).toBe(7);
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

  it("changes nothing when run a second time", async () => {
    const before = await dump(target.direct);
    const again = await runImport(true);
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 5 });
    expect(again.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 7 });
    expect(again.usage.writes).toEqual({ created: 0, updated: 0, unchanged: 21 });
    expect(await dump(target.direct)).toEqual(before);
  });

  it("lets the Worker find a key by the original's hash and upgrade it to ours; a re-import keeps the upgrade", async () => {
    const pending: Promise<unknown>[] = [];
    const services = {
      config: { CRS_ENCRYPTION_KEY },
      keyspace: { redis: target.upstash },
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
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 5 });
    expect(await dump(target.direct)).toEqual(before);
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
    expect(report.relayKeys.writes.created).toBe(5);
    expect(report.accounts.writes.created).toBe(7);
    expect(report.usage.writes.created).toBe(21);
    expect(await credentialsOf(IDS.console)).toEqual({ apiKey: SECRETS.consoleApiKey });

    const dry = await runCli(flags);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: nothing written");
    expect(dry.stdout).toContain(
      "relay keys   found 7, imported 5 (would create 0, update 0; 5 already equal), skipped 2",
    );
    expect(dry.stdout).toContain(
      `skipped apikey:${IDS.corrupt}: corrupt: tokenLimit: "lots" is not a number`,
    );
    expect(dry.stdout).not.toContain(CRS_ENCRYPTION_KEY);

    const missing = await runCli(["--from", source.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--crs-encryption-key is required");
  });
});
