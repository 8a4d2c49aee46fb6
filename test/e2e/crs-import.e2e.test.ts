// Moving in from Claude Relay Service, end to end: a keyspace in the original's layout (the
// fixture of test/migrations) is imported into the running stack's keyspace; then every imported
// key authenticates with its original string through the real relay, is upgraded to our hash on
// first use, keeps its limits and usage, and an imported Console account serves the requests; a
// group-bound key is served by the group's member; the imported Azure, Bedrock, Droid and CCR
// accounts each serve requests, and their usage is recorded; imported users own their keys; the
// original's JSON export reads into the same records.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { runCrsImport } from "../../migrations/crs/importer.ts";
import type { CrsImportReport } from "../../migrations/crs/report.ts";
import { hashRelayKey } from "../../worker/keyspace/crypto.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { enhancedExportOf } from "../migrations/crs-exports.ts";
import {
  BEDROCK_ACCESS_KEY,
  CRS_ENCRYPTION_KEY,
  crsHash,
  type FixtureStamps,
  IDS,
  SECRETS,
  writeCrsFixture,
} from "../migrations/crs-fixture.ts";
import { startSourceRedis } from "../migrations/helpers.ts";
import { claudeCodeRequests } from "../unit/fixtures/claude-code-requests.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";
import { usageOf as keyTotals, minus, sentTotals, settledUsage } from "./harness/usage.ts";

let upstream: FakeUpstream;
let stack: TestStack;
let source: Awaited<ReturnType<typeof startSourceRedis>>;
let token: string;
let stamps: FixtureStamps;
let report: CrsImportReport;

interface Counters {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  costMicroUsd: number;
}
interface KeyView {
  id: string;
  preview: string;
  isActive: boolean;
  limits: Record<string, unknown>;
  expiry: Record<string, unknown>;
  boundAccounts: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keys served by the imported subscription (OAuth) account: their holders use Claude Code, the
 * client subscription accounts serve (an SDK's request would go to an API-key account, or get a
 * 503). Their requests are the real CLI's, as recorded.
 */
const CLAUDE_CODE_USERS = new Set<string>([SECRETS.carol, SECRETS.frank]);
const [claudeCode] = claudeCodeRequests;

function requestOf(secret: string, model: string): { headers: Record<string, string>; body: unknown } {
  if (!CLAUDE_CODE_USERS.has(secret) || !claudeCode)
    return {
      headers: { "x-api-key": secret, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: { model, max_tokens: 32, messages: [{ role: "user", content: "Say hello" }] },
    };
  // The recorded connection's own headers (and its credential) are not the request's.
  const {
    authorization: _a,
    host: _h,
    connection: _c,
    "content-length": _l,
    ...headers
  } = claudeCode.headers;
  delete headers["accept-encoding"];
  return {
    headers: { ...headers, authorization: `Bearer ${secret}` },
    body: { ...claudeCode.body, model, stream: false },
  };
}

async function send(secret: string, model = "claude-sonnet-4-5") {
  const { headers, body } = requestOf(secret, model);
  const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function errorMessage(body: Record<string, unknown>): string {
  const error = body.error as { message?: string } | undefined;
  return error?.message ?? "";
}

async function usageOf(id: string) {
  return adminCall<{ total: Counters; today: Counters; month: Counters }>(
    stack,
    token,
    "GET",
    `/keys/${id}/usage`,
  );
}

async function keyOf(id: string): Promise<KeyView> {
  return (await adminCall<{ key: KeyView }>(stack, token, "GET", `/keys/${id}`)).key;
}

async function accountRequests(id: string): Promise<number> {
  const usage = await adminCall<{ total: Counters }>(stack, token, "GET", `/accounts/${id}/usage`);
  return usage.total.requests;
}

/**
 * Runs one request that `accountId` must serve for `keyId`: the fake saw `credential` once more,
 * and the key's recorded usage grew by exactly what the fake sent, the account's by one request.
 */
async function expectServed(keyId: string, accountId: string, credential: string, call: () => Promise<void>) {
  const since = upstream.stats().usageSent.length;
  const byCredential = upstream.stats().byCredential[credential]?.requests ?? 0;
  const before = await keyTotals(stack, token, keyId);
  const accountBefore = await accountRequests(accountId);
  await call();
  expect(upstream.stats().byCredential[credential]?.requests).toBe(byCredential + 1);
  const after = await settledUsage(stack, token, keyId, before.requests + 1);
  const sent = sentTotals(upstream, since);
  expect(sent.requests).toBe(1);
  expect(sent.inputTokens).toBeGreaterThan(0);
  expect(minus(after, before)).toEqual(sent);
  expect(
    await until(
      () => accountRequests(accountId),
      (n) => n > accountBefore,
    ),
  ).toBe(accountBefore + 1);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  stack = await startTestStack({
    // Accounts without a base URL (the imported OAuth account) reach the fake upstream too.
    extraVars: { CRS_ENCRYPTION_KEY, ANTHROPIC_API_BASE: upstream.url, KEY_CACHE_SECONDS: "1" },
  });
  token = await adminToken(stack);
  source = await startSourceRedis();
  stamps = await writeCrsFixture(source.client, {
    consoleApiUrl: `${upstream.url}/v1/messages`,
    azureEndpoint: upstream.url,
    ccrApiUrl: upstream.url,
  });
  report = await runCrsImport({
    from: source.url,
    crsEncryptionKey: CRS_ENCRYPTION_KEY,
    to: stack.bridgeUrl,
    toToken: stack.secrets.UPSTASH_REDIS_REST_TOKEN,
    encryptionKey: stack.secrets.ENCRYPTION_KEY,
    apply: true,
  });
});

afterAll(async () => {
  source?.client.disconnect();
  await source?.server.stop();
  await stack?.stop();
  await upstream?.close();
});

describe("a Claude Relay Service import into the running relay", () => {
  it("brings keys, accounts, groups, users, webhooks and usage over", () => {
    expect(report.relayKeys.writes.created).toBe(8);
    expect(report.accounts.writes.created).toBe(11);
    expect(report.groups.writes.created).toBe(2);
    expect(report.users.writes.created).toBe(3);
    expect(report.webhooks.writes.created).toBe(1);
    expect(report.usage.writes.created).toBe(22);
  });

  it("keeps each key's limits, and its usage and cost totals, in the admin API", async () => {
    const alice = await keyOf(IDS.alice);
    expect(alice).toMatchObject({
      preview: "cr_… (imported)",
      isActive: true,
      expiry: { mode: "fixed", expiresAt: "2099-01-01T00:00:00.000Z" },
      boundAccounts: { claude: IDS.console },
      limits: {
        concurrencyLimit: 3,
        rateLimitWindowMinutes: 60,
        rateLimitRequests: 100,
        rateLimitCost: 5,
        dailyCostLimit: 20,
        totalCostLimit: 500,
        weeklyCostLimit: 50,
        weeklyResetDay: 3,
        weeklyResetHour: 6,
        restrictedModels: ["claude-opus-4-1"],
        permissions: ["claude"],
      },
    });
    const usage = await usageOf(IDS.alice);
    expect(usage.total).toMatchObject({
      requests: 12,
      inputTokens: 1000,
      outputTokens: 2000,
      cacheCreateTokens: 300,
      cacheReadTokens: 4000,
      costMicroUsd: 12_345_678,
    });
    // Days and months in UTC+8, as the original counted them.
    expect(usage.today).toMatchObject({ requests: 2, inputTokens: 100, costMicroUsd: 1_250_000 });
    expect(usage.month).toMatchObject({ requests: 3, costMicroUsd: 1_750_000 });
    expect((await keyOf(IDS.bob)).limits).toMatchObject({ allowedClients: ["claude_code"] });
    expect(stamps.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("authenticates every imported key with its original string; an imported Console account serves it", async () => {
    const before = upstream.stats().byCredential[SECRETS.consoleApiKey]?.requests ?? 0;
    const alice = await send(SECRETS.alice);
    expect(alice.status, JSON.stringify(alice.body)).toBe(200);
    expect(alice.body.content).toEqual([
      expect.objectContaining({ type: "text", text: "Hello from fake upstream" }),
    ]);
    // Served by the imported Console account, with its credential decrypted from the original's.
    expect(upstream.stats().byCredential[SECRETS.consoleApiKey]?.requests).toBe(before + 1);

    const carol = await send(SECRETS.carol);
    expect(carol.status, JSON.stringify(carol.body)).toBe(200);
    expect(upstream.stats().byCredential[SECRETS.oauthAccess]?.requests).toBeGreaterThanOrEqual(1);

    // Found, then refused for what the original's settings say.
    const bob = await send(SECRETS.bob);
    expect(bob.status).toBe(403);
    expect(errorMessage(bob.body)).toContain("Client not allowed");
    const opus = await send(SECRETS.alice, "claude-opus-4-1");
    expect(opus.status).toBe(403);
    const dave = await send(SECRETS.dave);
    expect(dave.status).toBe(401);
    expect(errorMessage(dave.body)).toBe("API key is disabled");
    // Erin's user is disabled in the original: her key is refused for that, not for itself.
    const erin = await send(SECRETS.erin);
    expect(erin.status).toBe(401);
    expect(errorMessage(erin.body)).toBe("API key's owner is disabled");
    // Not imported (deleted or corrupt in the original): unknown here.
    for (const secret of [SECRETS.deleted, SECRETS.corrupt]) {
      const unknown = await send(secret);
      expect(unknown.status).toBe(401);
      expect(errorMessage(unknown.body)).toBe("Invalid API key");
    }
  });

  it("serves a key bound to an imported group by the group's member only", async () => {
    const oauthBefore = upstream.stats().byCredential[SECRETS.oauthAccess]?.requests ?? 0;
    const consoleBefore = upstream.stats().byCredential[SECRETS.consoleApiKey]?.requests ?? 0;
    // Without the group the pool would pick the Console account (priority 10 before 20).
    for (let i = 0; i < 3; i++) {
      const frank = await send(SECRETS.frank);
      expect(frank.status, JSON.stringify(frank.body)).toBe(200);
    }
    expect(upstream.stats().byCredential[SECRETS.oauthAccess]?.requests).toBe(oauthBefore + 3);
    expect(upstream.stats().byCredential[SECRETS.consoleApiKey]?.requests ?? 0).toBe(consoleBefore);
    expect((await keyOf(IDS.frank)).boundAccounts).toEqual({ claude: `group:${IDS.group}` });
  });

  it("serves requests from the imported Azure, Bedrock, Droid and CCR accounts, and records their usage", async () => {
    // The original keeps no base URL for Bedrock and Droid accounts (they call AWS and Factory):
    // point the imported ones at the fake upstream, as an operator with a gateway would.
    for (const [id, baseUrl] of [
      [IDS.bedrock, upstream.url],
      [IDS.droid, `${upstream.url}/api/llm`],
    ] as const) {
      const patched = await adminCall<{ account: { baseUrl: string } }>(
        stack,
        token,
        "PATCH",
        `/accounts/${id}`,
        {
          baseUrl,
        },
      );
      expect(patched.account.baseUrl).toBe(baseUrl);
    }

    // Azure at /azure, for a key bound to no Azure account: the imported one serves the Azure
    // pool. (Grace is new here: no earlier request of hers is still being recorded.)
    await expectServed(IDS.grace, IDS.azure, SECRETS.azureApiKey, async () => {
      const response = await fetch(`${stack.relayUrl}/azure/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${SECRETS.grace}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Say hello" }] }),
      });
      const body = (await response.json()) as { choices?: { message: { content: string } }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.choices?.[0]?.message.content).toBe("Hello from fake upstream");
      const last = upstream.stats().lastRequest;
      // Its deployment and api-version, from the original's record.
      expect(last?.path).toBe("/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01");
      expect(last?.headers["api-key"]).toBe(SECRETS.azureApiKey);
    });

    // Droid at /droid/claude: the first of the original's API keys, its User-Agent.
    await expectServed(IDS.grace, IDS.droid, SECRETS.droidKey, async () => {
      const response = await fetch(`${stack.relayUrl}/droid/claude/v1/messages`, {
        method: "POST",
        headers: {
          "x-api-key": SECRETS.grace,
          "content-type": "application/json",
          "anthropic-version": "2023-06-01",
        },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 32,
          messages: [{ role: "user", content: "Say hello" }],
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.content).toEqual([expect.objectContaining({ text: "Hello from fake upstream" })]);
      const last = upstream.stats().lastRequest;
      expect(last?.path).toBe("/api/llm/a/v1/messages");
      expect(last?.headers["user-agent"]).toBe("factory-cli/0.30.0");
    });

    // Bedrock, for the key bound to it in the original (bedrockAccountId): SigV4-signed with the
    // original's AWS key (the fake verifies the signature), in the original's region.
    await expectServed(IDS.grace, IDS.bedrock, BEDROCK_ACCESS_KEY, async () => {
      const grace = await send(SECRETS.grace);
      expect(grace.status, JSON.stringify(grace.body)).toBe(200);
      expect(grace.body.content).toEqual([expect.objectContaining({ text: "Hello from fake upstream" })]);
      const last = upstream.stats().lastRequest;
      expect(last?.path).toMatch(/^\/model\/[^/]+\/invoke$/);
      expect(last?.headers.authorization).toContain(`Credential=${BEDROCK_ACCESS_KEY}/`);
      expect(last?.headers.authorization).toContain("/us-west-2/bedrock/aws4_request");
    });

    // CCR, outside the shared pool, for the key bound to it in the original (ccrAccountId).
    await expectServed(IDS.heidi, IDS.ccr, SECRETS.ccrKey, async () => {
      const heidi = await send(SECRETS.heidi);
      expect(heidi.status, JSON.stringify(heidi.body)).toBe(200);
      expect(upstream.stats().lastRequest?.headers["x-api-key"]).toBe(SECRETS.ccrKey);
    });
  });

  it("keeps dedicated and CCR accounts out of the shared pool: unbound keys never reach them", async () => {
    const ccrBefore = upstream.stats().byCredential[SECRETS.ccrKey]?.requests ?? 0;
    const accounts = await adminCall<{ accounts: { id: string; shared: boolean; schedulable: boolean }[] }>(
      stack,
      token,
      "GET",
      "/accounts",
    );
    const byId = new Map(accounts.accounts.map((a) => [a.id, a]));
    // Dedicated in the original: schedulable, serving only the keys bound to it.
    expect(byId.get(IDS.consoleDedicated)).toMatchObject({ shared: false, schedulable: true });
    expect(byId.get(IDS.ccr)).toMatchObject({ shared: false, schedulable: true });
    // Erin is bound to nothing: with her owner enabled she uses the shared pool only.
    await adminCall(stack, token, "POST", `/users/${IDS.userErin}/enable`);
    for (let i = 0; i < 3; i++) {
      const erin = await until(
        () => send(SECRETS.erin),
        (r) => r.status === 200,
      );
      expect(erin.status, JSON.stringify(erin.body)).toBe(200);
    }
    await adminCall(stack, token, "POST", `/users/${IDS.userErin}/disable`);
    expect(upstream.stats().byCredential[SECRETS.ccrKey]?.requests ?? 0).toBe(ccrBefore);
    expect(upstream.stats().byCredential[SECRETS.dedicatedApiKey]).toBeUndefined();
  });

  it("keeps each imported user's keys working and theirs; the user logs in once an admin sets a password", async () => {
    const owned = await adminCall<{ keys: KeyView[] }>(stack, token, "GET", `/users/${IDS.userAlice}/keys`);
    // Alice's key works (above) and is hers.
    expect(owned.keys.map((k) => k.id)).toEqual([IDS.alice]);

    const login = (password: string) =>
      fetch(`${stack.relayUrl}/users/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password }),
      });
    // Imported without a password (the original logs users in through LDAP): nothing matches.
    expect((await login("anything at all")).status).toBe(401);
    await adminCall(stack, token, "POST", `/users/${IDS.userAlice}/reset-password`, {
      password: "a-new-portal-password",
    });
    const loggedIn = await login("a-new-portal-password");
    expect(loggedIn.status).toBe(200);
    const session = (await loggedIn.json()) as { token: string };
    const mine = await fetch(`${stack.relayUrl}/users/keys`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(((await mine.json()) as { keys: KeyView[] }).keys.map((k) => k.id)).toEqual([IDS.alice]);

    // Enabling Erin here gives her key back as it was in the original.
    await adminCall(stack, token, "POST", `/users/${IDS.userErin}/enable`);
    const erin = await until(
      () => send(SECRETS.erin),
      (r) => r.status === 200,
    );
    expect(erin.status, JSON.stringify(erin.body)).toBe(200);
    // And disabling her again puts the original's state back (a re-import below finds it equal).
    await adminCall(stack, token, "POST", `/users/${IDS.userErin}/disable`);
    const refused = await until(
      () => send(SECRETS.erin),
      (r) => r.status === 401,
    );
    expect(errorMessage(refused.body)).toBe("API key's owner is disabled");
  });

  it("reads the original's enhanced JSON export into the very records the Redis import wrote", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crs-export-"));
    try {
      const file = join(dir, "backup.json");
      await writeFile(file, JSON.stringify(await enhancedExportOf(source.client)));
      const fromFile = await runCrsImport({
        from: file,
        crsEncryptionKey: CRS_ENCRYPTION_KEY,
        to: stack.bridgeUrl,
        toToken: stack.secrets.UPSTASH_REDIS_REST_TOKEN,
        encryptionKey: stack.secrets.ENCRYPTION_KEY,
        apply: false,
      });
      expect(fromFile.source).toContain("(data export, version 2.0)");
      // The Claude OAuth and Gemini accounts it carries are equal, credentials included.
      expect(fromFile.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
      // Every key is equal: Alice, Bob, Frank, Grace and Heidi are bound to accounts and groups
      // the export format does not carry, which the Redis import brought here.
      expect(fromFile.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("upgrades each key to our hash after its first use, and it keeps working", async () => {
    for (const name of ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"] as const) {
      const ours = await hashRelayKey(stack.secrets.KEY_HASH_SECRET, SECRETS[name]);
      const id = await until(
        () => stack.keyspace.findRelayKeyIdByHash(ours),
        (found) => found !== null,
      );
      expect(id, name).toBe(IDS[name]);
      expect((await stack.keyspace.getRelayKey(IDS[name]))?.hash).toBe(ours);
    }
    const legacy = await stack.keyspace.redis.hgetall(keys.legacyKeyByHash());
    expect(legacy === null || Object.keys(legacy).length === 0).toBe(true);
    expect(crsHash(SECRETS.alice)).toMatch(/^[0-9a-f]{64}$/);
    expect((await keyOf(IDS.alice)).preview).toBe(`${SECRETS.alice.slice(0, 7)}…${SECRETS.alice.slice(-4)}`);

    await sleep(1_200); // past KEY_CACHE_SECONDS: the next lookup goes to the keyspace, by our hash
    const again = await send(SECRETS.alice);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it("adds new usage on top of the imported totals", async () => {
    const usage = await until(
      () => usageOf(IDS.alice),
      (u) => u.total.requests >= 14,
    );
    expect(usage.total.requests).toBe(14);
    expect(usage.total.inputTokens).toBeGreaterThan(1000);
    expect(usage.total.costMicroUsd).toBeGreaterThanOrEqual(12_345_678);
  });

  it("a second import over the running relay changes nothing and keeps the upgraded keys", async () => {
    const again = await runCrsImport({
      from: source.url,
      crsEncryptionKey: CRS_ENCRYPTION_KEY,
      to: stack.bridgeUrl,
      toToken: stack.secrets.UPSTASH_REDIS_REST_TOKEN,
      encryptionKey: stack.secrets.ENCRYPTION_KEY,
      apply: false,
    });
    expect(again.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 8 });
    // The gateway base URLs set here on the Bedrock and Droid accounts (the original has none) stay.
    expect(again.accounts.writes).toEqual({ created: 0, updated: 0, unchanged: 11 });
    expect(again.groups.writes).toEqual({ created: 0, updated: 0, unchanged: 2 });
    // Alice's password set here and her last login are kept; nothing else moved.
    expect(again.users.writes).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(again.webhooks.writes).toEqual({ created: 0, updated: 0, unchanged: 1 });
  });
});
