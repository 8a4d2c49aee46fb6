// Shared helpers for tests that drive the Worker inside workerd through SELF.fetch.
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import type { Answer, Schemas } from "../../admin-ui/src/api/generated.ts";
import { healthy } from "../../durable-objects/account-pool/health.ts";
import type { Candidate } from "../../durable-objects/account-pool/selection.ts";
import { ensureAdminCredential } from "../../worker/admin/bootstrap.ts";
import { type Env, services } from "../../worker/env.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";

export const testEnv = env as unknown as Env & { TEST_FAKE_UPSTREAM_URL: string };
export const upstreamUrl = testEnv.TEST_FAKE_UPSTREAM_URL;
export const BASE = "http://relay.test";

export const ADMIN = { username: "admin", password: "unit-test-password" };

/** Empties the keyspace and creates the admin; returns an admin JWT. */
export async function freshKeyspace(): Promise<string> {
  const { keyspace } = services(testEnv);
  await keyspace.redis.flushall();
  await ensureAdminCredential(keyspace, ADMIN);
  const response = await SELF.fetch(`${BASE}/admin/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return token;
}

/** The one admin API client of these tests: `path` below /admin; the answer's status and JSON body. */
export async function admin<T = unknown>(token: string, method: string, path: string, body?: unknown) {
  const response = await SELF.fetch(`${BASE}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function createKey(token: string, body: Record<string, unknown> = {}) {
  const created = await admin<{ key: { id: string }; secret: string }>(token, "POST", "/keys", {
    name: "test",
    ...body,
  });
  if (created.status !== 201) throw new Error(`key not created: ${JSON.stringify(created.body)}`);
  return { id: created.body.key.id, secret: created.body.secret };
}

export async function createConsoleAccount(
  token: string,
  scenario: string,
  extra: Record<string, unknown> = {},
) {
  const created = await admin<{ account: { id: string } }>(token, "POST", "/accounts/claude-console", {
    name: `acct-${scenario}`,
    apiKey: `sk-ant-${scenario}-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    ...extra,
  });
  if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created.body)}`);
  return created.body.account.id;
}

export function messages(
  secret: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return SELF.fetch(`${BASE}/api/v1/messages`, {
    method: "POST",
    headers: {
      "x-api-key": secret,
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
      ...body,
    }),
  });
}

export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface FakeUsage {
  requestId: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export async function fakeUsageFor(requestId: string): Promise<FakeUsage | undefined> {
  const stats = (await (await fetch(`${upstreamUrl}/__stats`)).json()) as { usageSent: FakeUsage[] };
  return stats.usageSent.find((u) => u.requestId === requestId);
}

/** A usage report as the fake upstream sent it, with the protocol it spoke. */
export type SentUsage = FakeUsage & {
  protocol: string;
  model: string;
  completed: boolean;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  reasoning_tokens?: number;
};

export interface FakeStats {
  usageSent: SentUsage[];
  /** Requests the fake answered (not refused), by the credential they came with. */
  byCredential: Record<string, { requests: number }>;
  oauth: { tokenRequests: number; byGrant: Record<string, number> };
  lastRequest: { path: string; headers: Record<string, string>; body: Record<string, unknown> };
}

export const fakeStats = async () => (await (await fetch(`${upstreamUrl}/__stats`)).json()) as FakeStats;

export const sentFor = async (requestId: string | null) =>
  (await fakeStats()).usageSent.find((u) => u.requestId === requestId);

/** A key's usage counters (total, today or this month), as the admin API answers them. */
export type KeyCounters = Schemas["UsageCounters"];

/** GET /admin/keys/{id}/usage: the key's total, today, month and recent requests. */
export const keyUsageReport = async (token: string, keyId: string) =>
  (await admin<Schemas["KeyUsage"]>(token, "GET", `/keys/${keyId}/usage`)).body;

/** The key's all-time counters. */
export const keyUsage = async (token: string, keyId: string) => (await keyUsageReport(token, keyId)).total;

/** The key's all-time counters once they count at least `requests` requests (or after 5 s). */
export const keyUsageAfter = (token: string, keyId: string, requests: number) =>
  waitFor(
    () => keyUsage(token, keyId),
    (u) => u.requests >= requests,
  );

/**
 * The key's usage report once at least `requests` requests are counted and listed among the recent
 * ones (written in the same batch, after the counters), or after 5 s.
 */
export const keyUsageReportAfter = (token: string, keyId: string, requests: number) =>
  waitFor(
    () => keyUsageReport(token, keyId),
    (u) => u.total.requests >= requests && u.recent.length >= requests,
  );

/**
 * Waits until the key has metered one request more than `before`; returns what the fake sent for
 * `response` and how much the key's counters grew.
 */
export async function settledUsage(token: string, keyId: string, before: KeyCounters, response: Response) {
  const sent = await sentFor(response.headers.get("request-id") ?? response.headers.get("x-request-id"));
  const after = await waitFor(
    () => keyUsage(token, keyId),
    (u) => u.requests === before.requests + 1,
  );
  return {
    sent,
    delta: {
      input: after.inputTokens - before.inputTokens,
      output: after.outputTokens - before.outputTokens,
      cacheRead: after.cacheReadTokens - before.cacheReadTokens,
      cost: after.costMicroUsd - before.costMicroUsd,
    },
  };
}

/** An account as GET /admin/accounts lists it, with its health. */
export type AccountView = Answer<"/accounts", "get">["accounts"][number];

/** Creates an account through the admin API at `/accounts/<kind>`; throws unless it was created. */
export async function createAccount(token: string, kind: string, body: Record<string, unknown>) {
  const created = await admin<{ account: Schemas["Account"] }>(token, "POST", `/accounts/${kind}`, body);
  if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created.body)}`);
  return created.body.account;
}

export const listAccounts = async (token: string) =>
  (await admin<{ accounts: AccountView[] }>(token, "GET", "/accounts")).body.accounts;

/**
 * One fuzz test per path: every generated body is answered without a 5xx of the relay's own and
 * without a stack trace.
 */
export function fuzzEachPath<T>(
  paths: string[],
  bodies: fc.Arbitrary<T>,
  send: (path: string, body: T) => Promise<Response>,
) {
  for (const path of paths) {
    it(`${path} answers any body without a 5xx from the relay`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const response = await send(path, body);
          const text = await response.text();
          expect(response.status === 500 || response.status === 502, `${response.status} ${text}`).toBe(
            false,
          );
          expect(text).not.toMatch(/\.ts:\d+/);
        }),
        { numRuns: 40 },
      );
    }, 60_000);
  }
}

/** A stored Claude Console account record for the pure selection tests; `extra` overrides fields. */
export function accountRecord(id: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    v: 1,
    id,
    type: "claude-console",
    platform: "claude",
    name: id,
    description: "",
    baseUrl: "",
    priority: 50,
    schedulable: true,
    shared: true,
    allowOtherClients: false,
    stopAt5hPercent: 0,
    dailyCostLimitUsd: 0,
    subscriptionExpiresAt: null,
    balanceUsd: null,
    balanceSetAt: null,
    balanceAlertUsd: 0,
    stopAtZeroBalance: false,
    isActive: true,
    concurrencyLimit: 0,
    models: [],
    credentials: "v1.x.y.z",
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

/** A healthy, idle pool candidate for `record`; `extra` overrides health or leases. */
export const poolCandidate = (record: AccountRecord, extra: Partial<Candidate> = {}): Candidate => ({
  record,
  health: healthy(),
  activeLeases: 0,
  ...extra,
});

/** The first text block of an Anthropic Messages answer (the fake's `text-<x>` scenarios answer `<x>`). */
export const messageText = async (response: Response) => {
  const body = (await response.json()) as { content?: { text: string }[] };
  return body.content?.[0]?.text;
};

/**
 * With an account the upstream answers 401 first (`<scenario>` "401") and a good one next, the
 * request is served and the refused account is parked as unauthorized. Expects an emptied keyspace.
 */
export async function expectUnauthorizedFailover(
  token: string,
  addAccount: (scenario: string, extra: Record<string, unknown>) => Promise<string | { id: string }>,
  send: (secret: string) => Promise<Response>,
) {
  const refused = await addAccount("401", { priority: 1 });
  const refusedId = typeof refused === "string" ? refused : refused.id;
  await addAccount("ok", { priority: 2 });
  const key = await createKey(token);
  const response = await send(key.secret);
  expect(response.status).toBe(200);
  await response.text();
  expect((await listAccounts(token)).find((a) => a.id === refusedId)?.health.status).toBe("unauthorized");
}

/** A Messages stream the upstream cut (`reset-mid-stream`): begun, then ended with an error event. */
export async function expectCutMessagesStream(response: Response) {
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toContain("event: message_start");
  expect(text).toMatch(/event: error\ndata: \{"type":"error"/);
}
