// Every zod boundary of the admin API and the user portal under random and mutated JSON
// (fast-check): each body-taking route, listed from the OpenAPI documents so that a new one cannot
// be missed, answers any body below 500, refusals in the admin error shape
// ({"error":{"type","message"}}); a refused change leaves the record as it was, and a refused
// creation creates nothing.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";
import { aroundFixture } from "./fuzz-mutate.ts";
import { admin, BASE, createConsoleAccount, createKey, freshKeyspace, upstreamUrl } from "./helpers.ts";

type Json = Record<string, unknown>;

let token: string;
let userToken: string;
/** A user of its own for the password route, so no fuzzed change can end erin's session. */
let fayToken: string;
const ids = { key: "", console: "", bedrock: "", group: "", user: "" };

interface Target {
  method: "POST" | "PUT" | "PATCH";
  /** As in the OpenAPI document, `{id}` standing for the record named by `id`. */
  path: string;
  id?: keyof typeof ids;
  seed: () => Json;
  /** A GET whose answer a refused request must leave as it was. */
  read?: string;
  portal?: boolean;
  headers?: () => Record<string, string>;
  /** Fewer for routes that hash a password (100,000 PBKDF2 rounds each). */
  runs?: number;
}

const url = `${upstreamUrl}/s/ok`;
const accountSeed = { name: "fuzzed", description: "d", baseUrl: url, priority: 10, schedulable: true };
const limits = {
  concurrencyLimit: 2,
  concurrencyQueueSeconds: 1,
  rateLimitWindowMinutes: 1,
  rateLimitRequests: 10,
  dailyCostLimit: 5,
  weeklyResetDay: 1,
  restrictedModels: ["claude-opus-4"],
  permissions: ["claude"],
};

const TARGETS: Target[] = [
  {
    method: "POST",
    path: "/keys",
    seed: () => ({
      name: "k",
      description: "d",
      tags: ["t"],
      expiry: { mode: "activation", days: 30 },
      limits,
      boundAccounts: { claude: `group:${ids.group}` },
    }),
    read: "/keys",
  },
  {
    method: "PATCH",
    path: "/keys/{id}",
    id: "key",
    seed: () => ({
      name: "renamed",
      isActive: true,
      limits: { dailyCostLimit: 7 },
      boundAccounts: { claude: "" },
    }),
    read: "/keys/{id}",
  },
  {
    method: "POST",
    path: "/keys/batch",
    seed: () => ({ count: 2, template: { name: "batch", tags: ["t"], limits } }),
    read: "/keys",
    runs: 8,
  },
  {
    method: "POST",
    path: "/keys/batch-edit",
    seed: () => ({
      ids: [ids.key],
      isActive: true,
      limits: { dailyCostLimit: 7 },
      addTags: ["t"],
      removeTags: ["gone"],
    }),
    read: "/keys",
  },
  // Ids no key has: a fuzzed delete must not take the key the other targets change.
  {
    method: "POST",
    path: "/keys/batch-delete",
    seed: () => ({ ids: ["no-such-key"], purge: false }),
    read: "/keys",
  },
  { method: "POST", path: "/keys/batch-restore", seed: () => ({ ids: ["no-such-key"] }), read: "/keys" },
  {
    method: "POST",
    path: "/keys/tags/rename",
    seed: () => ({ from: "no-such-tag", to: "other" }),
    read: "/keys",
  },
  { method: "POST", path: "/keys/tags/delete", seed: () => ({ tag: "no-such-tag" }), read: "/keys" },
  { method: "PUT", path: "/key-settings", seed: () => ({ retentionDays: 7 }), read: "/key-settings" },
  {
    method: "POST",
    path: "/accounts/claude-console",
    seed: () => ({ ...accountSeed, apiKey: "sk-ant-x" }),
    read: "/accounts",
  },
  {
    method: "PATCH",
    path: "/accounts/{id}",
    id: "console",
    seed: () => ({
      name: "renamed",
      priority: 20,
      models: ["claude-sonnet-4-5"],
      settings: {},
      isActive: true,
    }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/claude-oauth/import",
    seed: () => ({
      ...accountSeed,
      accessToken: "at",
      refreshToken: "rt",
      expiresAt: Date.now() + 3_600_000,
    }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/claude-oauth/exchange",
    seed: () => ({ ...accountSeed, sessionId: "no-such-session", code: "code#state" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/gemini-api",
    seed: () => ({ ...accountSeed, apiKey: "AIza-x" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/gemini-oauth/import",
    seed: () => ({
      ...accountSeed,
      accessToken: "ya29",
      refreshToken: "1//rt",
      expiresAt: 1,
      projectId: "p",
    }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/gemini-oauth/exchange",
    seed: () => ({ ...accountSeed, sessionId: "no-such-session", code: "c" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/openai-api",
    seed: () => ({ ...accountSeed, apiKey: "sk-proj-x" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/openai-oauth/import",
    seed: () => ({
      ...accountSeed,
      accessToken: "at",
      refreshToken: "rt",
      expiresAt: 1,
      chatgptAccountId: "a",
    }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/openai-oauth/exchange",
    seed: () => ({ ...accountSeed, sessionId: "no-such-session", code: "c" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/azure-openai",
    seed: () => ({
      ...accountSeed,
      apiKey: "az",
      endpoint: url,
      deployment: "gpt4o",
      apiVersion: "2024-10-21",
    }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/droid",
    seed: () => ({ ...accountSeed, apiKey: "fk-x" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/accounts/bedrock",
    seed: () => ({
      ...accountSeed,
      accessKeyId: "AKIAFAKEBEDROCK00001",
      secretAccessKey: "s",
      region: "us-west-2",
      modelMapping: { "claude-sonnet-4-5": "us.anthropic.x-v1:0" },
      defaultModel: "us.anthropic.y-v1:0",
    }),
    read: "/accounts",
  },
  {
    method: "PUT",
    path: "/accounts/{id}/test-schedule",
    id: "console",
    seed: () => ({ intervalMinutes: 60 }),
    read: "/accounts/{id}/tests",
  },
  {
    method: "PUT",
    path: "/accounts/{id}/bedrock-credentials",
    id: "bedrock",
    seed: () => ({ accessKeyId: "AKIAFAKEBEDROCK00002", secretAccessKey: "s2", sessionToken: "t" }),
    read: "/accounts",
  },
  {
    method: "POST",
    path: "/groups",
    seed: () => ({ name: "g", platform: "claude", description: "d", memberIds: [ids.console] }),
    read: "/groups",
  },
  {
    method: "PATCH",
    path: "/groups/{id}",
    id: "group",
    seed: () => ({ name: "renamed", description: "d2", memberIds: [ids.console] }),
    read: "/groups/{id}",
  },
  {
    method: "POST",
    path: "/users",
    seed: () => ({
      username: "carol",
      password: "carol-password-1",
      displayName: "C",
      email: "c@example.com",
      maxKeys: 3,
      keyLimits: { dailyCostLimit: 1 },
    }),
    read: "/users",
    runs: 8,
  },
  {
    method: "PATCH",
    path: "/users/{id}",
    id: "user",
    seed: () => ({
      displayName: "D",
      email: "d@example.com",
      maxKeys: 4,
      keyLimits: { concurrencyLimit: 2 },
    }),
    read: "/users/{id}",
  },
  {
    method: "POST",
    path: "/users/{id}/reset-password",
    id: "user",
    seed: () => ({ password: "reset-password-1" }),
    runs: 8,
  },
  {
    method: "PUT",
    path: "/webhooks",
    seed: () => ({
      enabled: false,
      targets: [
        { id: "t1", type: "custom", url: "http://127.0.0.1:9/hook", name: "n", events: ["accountStatus"] },
      ],
      maxRetries: 1,
      retryDelayMs: 1000,
      keyExpiryWarningDays: 3,
    }),
    read: "/webhooks",
  },
  { method: "POST", path: "/webhooks/test", seed: () => ({ targetId: "none" }) },
  {
    method: "PUT",
    path: "/settings/branding",
    seed: () => ({ siteName: "Acme", logoUrl: "https://example.com/logo.png", notice: "n" }),
    read: "/settings/branding",
  },
  {
    method: "PUT",
    path: "/settings/request-log",
    seed: () => ({ retentionDays: 5, maxEntries: 5000 }),
    read: "/settings/request-log",
  },
  {
    method: "PUT",
    path: "/settings/billing",
    seed: () => ({ enabled: false, url: "https://billing.example/in", secret: "s", batchSize: 50 }),
    read: "/settings/billing",
  },
  {
    method: "PUT",
    path: "/pricing/overrides",
    seed: () => ({ models: { house: { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } } }),
    read: "/pricing",
  },
  {
    method: "POST",
    path: "/auth/login",
    seed: () => ({ username: "fuzz-nobody", password: "wrong" }),
    headers: () => ({ "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}` }),
    runs: 8,
  },
  {
    method: "POST",
    path: "/keys/{id}/packs",
    id: "key",
    seed: () => ({ amountUsd: 2, expiresAt: "2030-01-01T00:00:00.000Z", note: "n" }),
    read: "/keys/{id}/packs",
  },
  {
    method: "POST",
    path: "/quota-cards",
    seed: () => ({ type: "quota", quotaAmount: 1, note: "n", count: 1, codePrefix: "QC" }),
    read: "/quota-cards",
  },
  {
    method: "PUT",
    path: "/settings/service-rates",
    seed: () => ({ rates: { claude: 1 }, modelRates: [{ model: "claude-opus*", rate: 1 }] }),
    read: "/settings/service-rates",
  },
  // The user portal.
  {
    method: "POST",
    path: "/login",
    portal: true,
    seed: () => ({ username: "fuzz-nobody", password: "wrong" }),
    headers: () => ({ "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}` }),
    runs: 8,
  },
  {
    method: "POST",
    path: "/keys",
    portal: true,
    seed: () => ({
      name: "mine",
      description: "d",
      expiry: { mode: "never" },
      limits: { dailyCostLimit: 0.5 },
    }),
    read: "/keys",
  },
  {
    method: "POST",
    path: "/password",
    portal: true,
    // A wrong current password: every body meets the schema and the check, none ends the session.
    seed: () => ({ currentPassword: "not-fays-password", newPassword: "fay-password-2" }),
    headers: () => ({ authorization: `Bearer ${fayToken}` }),
    runs: 8,
  },
  // Not the user's key: every body is refused (404 or 400), none with a 5xx.
  {
    method: "POST",
    path: "/keys/{id}/redeem-card",
    id: "key",
    portal: true,
    seed: () => ({ code: "QC-NONE-SUCH" }),
  },
];

const pathOf = (target: Target, path = target.path) =>
  `${target.portal ? "/users" : "/admin"}${target.id ? path.replace("{id}", ids[target.id]) : path}`;

async function send(target: Target, body: string): Promise<{ status: number; text: string }> {
  const response = await SELF.fetch(`${BASE}${pathOf(target)}`, {
    method: target.method,
    headers: {
      authorization: `Bearer ${target.portal ? userToken : token}`,
      "content-type": "application/json",
      ...target.headers?.(),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Deletes what a request that passed created, so that the lists compared stay short (listing
 * accounts asks each one's pool for its health).
 */
async function removeCreated(target: Target, text: string): Promise<void> {
  if (target.method !== "POST") return;
  const answer = JSON.parse(text) as Record<string, { id?: unknown } | undefined>;
  for (const kind of ["key", "account", "group"] as const) {
    const id = answer[kind]?.id;
    if (typeof id !== "string") continue;
    const path = target.portal ? `/users/keys/${id}` : `/admin/${kind}s/${id}`;
    const response = await SELF.fetch(`${BASE}${path}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${target.portal ? userToken : token}` },
    });
    await response.text();
  }
}

async function read(target: Target): Promise<unknown> {
  if (!target.read) return undefined;
  const response = await SELF.fetch(`${BASE}${pathOf(target, target.read)}`, {
    headers: { authorization: `Bearer ${target.portal ? userToken : token}` },
  });
  expect(response.status).toBe(200);
  return response.json();
}

/** What a refusal may not have changed: the record, less the clock fields a read itself moves. */
const comparable = (value: unknown) =>
  JSON.parse(JSON.stringify(value ?? null), (k, v: unknown) =>
    k === "time" || k === "lastUsedAt" || k === "activeLeases" || k === "until" ? undefined : v,
  ) as unknown;

beforeAll(async () => {
  token = await freshKeyspace();
  ids.console = await createConsoleAccount(token, "ok");
  const bedrock = await admin<{ account: { id: string } }>(token, "POST", "/accounts/bedrock", {
    name: "b",
    accessKeyId: "AKIAFAKEBEDROCK00001",
    secretAccessKey: BEDROCK_TEST_CREDENTIALS.AKIAFAKEBEDROCK00001?.secret,
    region: "us-west-2",
    baseUrl: url,
  });
  ids.bedrock = bedrock.body.account.id;
  ids.group = (
    await admin<{ group: { id: string } }>(token, "POST", "/groups", { name: "g0", platform: "claude" })
  ).body.group.id;
  ids.key = (await createKey(token)).id;
  ids.user = (
    await admin<{ user: { id: string } }>(token, "POST", "/users", {
      username: "dave",
      password: "dave-password-1",
    })
  ).body.user.id;
  // Another user for the portal: dave's password is reset by the fuzzing, which ends his sessions.
  await admin(token, "POST", "/users", { username: "erin", password: "erin-password-1", maxKeys: 1000 });
  const login = await SELF.fetch(`${BASE}/users/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "erin", password: "erin-password-1" }),
  });
  userToken = ((await login.json()) as { token: string }).token;
  await admin(token, "POST", "/users", { username: "fay", password: "fay-password-1" });
  const fayLogin = await SELF.fetch(`${BASE}/users/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "fay", password: "fay-password-1" }),
  });
  fayToken = ((await fayLogin.json()) as { token: string }).token;
  for (const target of TARGETS)
    if (target.read && target.method === "PUT") await send(target, JSON.stringify(target.seed()));
});

describe("the fuzzed routes are every body-taking route", () => {
  it("of the admin API and the user portal, by their OpenAPI documents", async () => {
    const documented: string[] = [];
    for (const [prefix, portal] of [
      ["admin", false],
      ["users", true],
    ] as const) {
      const doc = (await (await SELF.fetch(`${BASE}/${prefix}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      };
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          if (operation.requestBody) documented.push(`${portal} ${method.toUpperCase()} ${path}`);
        }
      }
    }
    const fuzzed = TARGETS.map((t) => `${t.portal === true} ${t.method} ${t.path}`);
    expect(fuzzed.sort()).toEqual(documented.sort());
  });
});

describe("an empty or cut body (found by fuzzing: was a 500 on every route)", () => {
  it("is a 400 in the admin error shape on every body-taking route", async () => {
    for (const target of TARGETS) {
      for (const body of ["", "{", '{"name":']) {
        const { status, text } = await send(target, body);
        expect(status, `${target.method} ${target.path} ${JSON.stringify(body)} → ${text}`).toBe(400);
        const error = (JSON.parse(text) as { error: { type: string; message: string } }).error;
        expect(error.type).toBe("invalid_request");
        expect(error.message).toMatch(/JSON/);
      }
    }
  });
});

const bodies = (target: Target) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constant(null)
        .chain(() => aroundFixture(target.seed()))
        .map((v) => JSON.stringify(v)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("", "{", "null", "[]", '{"__proto__":{"isActive":false}}', "1e999"),
    },
  );

describe("admin and portal bodies, random and mutated: never a 5xx, refusals leave nothing behind", () => {
  for (const target of TARGETS) {
    it(`${target.portal ? "portal" : "admin"} ${target.method} ${target.path}`, async () => {
      let snapshot = comparable(await read(target));
      await fc.assert(
        fc.asyncProperty(bodies(target), async (body) => {
          const { status, text } = await send(target, body);
          expect(status, `${body.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
          expect(text).not.toMatch(/\.ts:\d+|at [A-Za-z.]+ \(/);
          if (status < 400) {
            await removeCreated(target, text);
            snapshot = comparable(await read(target));
            return;
          }
          const error = (JSON.parse(text) as { error?: { type?: unknown; message?: unknown } }).error;
          expect(typeof error?.type, text).toBe("string");
          expect(typeof error?.message, text).toBe("string");
          if (target.read) expect(comparable(await read(target)), body.slice(0, 200)).toEqual(snapshot);
        }),
        // Bounded in time as well, so that a slow machine ends the run instead of the test.
        { numRuns: target.runs ?? 15, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
      );
    }, 90_000);
  }
});
