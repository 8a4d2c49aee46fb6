// Shared helpers for tests that drive the Worker inside workerd through SELF.fetch.
import { env, SELF } from "cloudflare:test";
import { ensureAdminCredential } from "../../worker/admin/bootstrap.ts";
import { type Env, services } from "../../worker/env.ts";

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
