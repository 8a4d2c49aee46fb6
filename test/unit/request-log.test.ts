// The request log (issue 21 item 3): real requests through the relay reach it through the usage
// flush only, with who asked (key, its owner), which account served, the model, status, tokens,
// cost, duration and error; it filters, pages by cursor newest first, keeps the admin's retention
// (by age and by count, trimmed as the flush writes) and keeps each account's error history.
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Schemas } from "../../admin-ui/src/api/generated.ts";
import { services } from "../../worker/env.ts";
import { applyUsageBatch } from "../../worker/keyspace/usage-batch.ts";
import type { UsageRecord } from "../../worker/usage/aggregate.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsageAfter,
  messages,
  testEnv,
  waitFor,
} from "./helpers.ts";

type LogPage = Schemas["RequestLogPage"];
type LogEntry = Schemas["RequestLogEntry"];
const { keyspace } = services(testEnv);
const DAY = 86_400_000;

let token: string;
beforeEach(async () => {
  token = await freshKeyspace();
});

const logPage = async (query: Record<string, string | number | boolean> = {}) => {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const answer = await admin<LogPage>(token, "GET", `/request-log?${params}`);
  expect(answer.status).toBe(200);
  return answer.body;
};

/** Every page of a query, following the cursor; the pages' sizes too. */
async function allPages(query: Record<string, string | number | boolean>) {
  const entries: LogEntry[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: LogPage = await logPage(cursor ? { ...query, cursor } : query);
    entries.push(...page.entries);
    sizes.push(page.entries.length);
    cursor = page.nextCursor;
  } while (cursor);
  return { entries, sizes };
}

async function send(secret: string, model = "claude-sonnet-4-5") {
  const response = await messages(secret, { model });
  await response.text();
  return response.status;
}

function record(keyId: string, startedAt: number, extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: crypto.randomUUID(),
    keyId,
    accountId: "acct-x",
    model: "claude-sonnet-4-5",
    platform: "claude",
    status: 200,
    startedAt,
    durationMs: 50,
    usage: {
      input_tokens: 3,
      output_tokens: 4,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: 7,
    ...extra,
  };
}

async function portalKey(username: string) {
  const password = `${username}-password-1`;
  const created = await admin<{ user: { id: string } }>(token, "POST", "/users", { username, password });
  expect(created.status).toBe(201);
  const portal = async <T>(userToken: string | null, path: string, body: unknown) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (userToken) headers.authorization = `Bearer ${userToken}`;
    const response = await SELF.fetch(`${BASE}/users${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    return (await response.json()) as T;
  };
  const { token: userToken } = await portal<{ token: string }>(null, "/login", { username, password });
  const made = await portal<{ key: { id: string }; secret: string }>(userToken, "/keys", {
    name: `${username}-key`,
  });
  return { userId: created.body.user.id, id: made.key.id, secret: made.secret };
}

describe("request log", () => {
  it("gets a request from the usage flush, not the request path, with who, what, how and cost", async () => {
    const accountId = await createConsoleAccount(token, "ok", { name: "log-acct" });
    const key = await portalKey("logan");

    expect(await send(key.secret)).toBe(200);
    // Answered, its usage settled in the key's gate but not yet flushed: the log has nothing.
    const right = await logPage();
    const gate = await testEnv.KEY_GATE.getByName(key.id).snapshot();
    expect(right.entries).toEqual([]);
    expect(gate.unflushed).toBe(1);

    const usage = await keyUsageAfter(token, key.id, 1);
    const { entries } = await waitFor(logPage, (p) => p.entries.length === 1);
    expect(entries[0]).toMatchObject({
      keyId: key.id,
      keyName: "logan-key",
      userId: key.userId,
      userName: "logan",
      accountId,
      accountName: "log-acct",
      platform: "claude",
      model: "claude-sonnet-4-5",
      status: 200,
      served: true,
      errorType: null,
      message: null,
      totalTokens: usage.inputTokens + usage.outputTokens + usage.cacheCreateTokens + usage.cacheReadTokens,
    });
    expect(usage.costMicroUsd).toBeGreaterThan(0);
    expect(entries[0]?.costUsd).toBeCloseTo(usage.costMicroUsd / 1e6, 12);
    expect(entries[0]?.usage.input_tokens).toBe(usage.inputTokens);
    expect(entries[0]?.durationMs).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(key.secret);
    expect(JSON.stringify(entries)).not.toContain("Hello from fake upstream");
  });

  it("filters by key, account, model, status class, errors only and time; pages newest first", async () => {
    const okAccount = await createConsoleAccount(token, "ok", { name: "fine" });
    const a = await createKey(token, { name: "key-a" });
    const b = await createKey(token, { name: "key-b" });
    for (const model of ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5"])
      await send(a.secret, model);
    await send(b.secret);
    await send(b.secret, "claude-haiku-4-5");
    await keyUsageAfter(token, a.id, 3);
    await keyUsageAfter(token, b.id, 2);
    // Now only a failing account serves: an upstream 401, then the relay's own refusal (503).
    await admin(token, "DELETE", `/accounts/${okAccount}`);
    const badAccount = await createConsoleAccount(token, "401", { name: "broken" });
    expect(await send(b.secret)).toBeGreaterThanOrEqual(400);
    expect(await send(b.secret)).toBe(503);
    const all = await waitFor(
      () => allPages({ limit: 100 }),
      (p) => p.entries.length === 7,
    );
    expect(all.entries).toHaveLength(7);
    const times = all.entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    // Paging by cursor: the same entries, once each, in the same order.
    const paged = await allPages({ limit: 3 });
    expect(paged.sizes.slice(0, 3)).toEqual([3, 3, 1]);
    expect(paged.entries.map((e) => e.requestId)).toEqual(all.entries.map((e) => e.requestId));

    const ids = (entries: LogEntry[]) => entries.map((e) => e.requestId).sort();
    const expectFilter = async (query: Record<string, string | boolean>, keep: (e: LogEntry) => boolean) => {
      const found = (await allPages({ ...query, limit: 2 })).entries;
      const expected = all.entries.filter(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.entries.length);
      expect(ids(found)).toEqual(ids(expected));
    };
    await expectFilter({ keyId: a.id }, (e) => e.keyId === a.id);
    await expectFilter({ accountId: okAccount }, (e) => e.accountId === okAccount);
    await expectFilter({ accountId: badAccount }, (e) => e.accountId === badAccount);
    await expectFilter({ model: "HAIKU" }, (e) => e.model === "claude-haiku-4-5");
    await expectFilter({ status: "2xx" }, (e) => e.status < 300);
    await expectFilter({ status: "5xx" }, (e) => e.status >= 500);
    await expectFilter({ errorsOnly: true }, (e) => e.status >= 400);
    await expectFilter({ keyId: b.id, errorsOnly: true }, (e) => e.keyId === b.id && e.status >= 400);
    const from = all.entries[4]?.at ?? "";
    const to = all.entries[1]?.at ?? "";
    await expectFilter({ from, to }, (e) => e.at >= from && e.at <= to);

    const refused = all.entries[0];
    expect(refused).toMatchObject({ status: 503, served: false, errorType: "accounts_unavailable" });
    expect(refused?.message).toContain("No available claude accounts");
    expect((await admin(token, "GET", "/request-log?status=6xx")).status).toBe(400);
    expect((await admin(token, "GET", "/request-log?cursor=next")).status).toBe(400);
  });

  it("keeps each account's failed requests, newest first, and nothing of other accounts", async () => {
    const bad = await createConsoleAccount(token, "401", { name: "bad" });
    const key = await createKey(token);
    expect(await send(key.secret)).toBeGreaterThanOrEqual(400);
    const errorsOf = async (id: string, query = "") =>
      (await admin<LogPage>(token, "GET", `/accounts/${id}/errors${query}`)).body;
    const history = await waitFor(
      () => errorsOf(bad),
      (p) => p.entries.length === 1,
    );
    expect(history.entries[0]).toMatchObject({ accountId: bad, accountName: "bad", keyId: key.id });
    expect(history.entries[0]?.status).toBeGreaterThanOrEqual(400);

    await admin(token, "DELETE", `/accounts/${bad}`);
    const good = await createConsoleAccount(token, "ok");
    expect(await send(key.secret)).toBe(200);
    await keyUsageAfter(token, key.id, 2);
    expect((await errorsOf(good)).entries).toEqual([]);
    // A deleted account's history stays readable (within the retention).
    expect((await errorsOf(bad)).entries).toHaveLength(1);
  });

  it("keeps the admin's retention: trimmed by age and count as the flush writes, and at once when changed", async () => {
    const settings = await admin<Schemas["RequestLogSettings"]>(token, "GET", "/settings/request-log");
    expect(settings.body).toEqual({ retentionDays: 3, maxEntries: 20_000 });
    const now = Date.now();
    const kept = record("k1", now - 2 * DAY);
    await applyUsageBatch(keyspace.redis, "b1", [record("k1", now - 4 * DAY), kept, record("k1", now)], 8);
    expect((await logPage()).entries.map((e) => e.requestId)).toContain(kept.requestId);
    expect((await logPage()).entries).toHaveLength(2);
    expect(await keyspace.redis.zcard("er:request-log")).toBe(2);
    const ttl = await keyspace.redis.pttl("er:request-log");
    expect(ttl).toBeGreaterThan(2.9 * DAY);
    expect(ttl).toBeLessThanOrEqual(3 * DAY);

    // One day: the entry from two days ago goes at once.
    const shorter = await admin(token, "PUT", "/settings/request-log", { retentionDays: 1 });
    expect(shorter.body).toMatchObject({ retentionDays: 1, maxEntries: 20_000 });
    expect(await keyspace.redis.zcard("er:request-log")).toBe(1);

    // At most 100: a batch of 130 keeps the newest 100.
    await admin(token, "PUT", "/settings/request-log", { maxEntries: 100 });
    const many = Array.from({ length: 130 }, (_, i) => record("k2", now + i));
    await applyUsageBatch(keyspace.redis, "b2", many, 8);
    const { entries } = await allPages({ limit: 200 });
    expect(entries.map((e) => e.requestId)).toEqual(
      many
        .slice(30)
        .reverse()
        .map((r) => r.requestId),
    );

    for (const bad of [
      { retentionDays: 0 },
      { retentionDays: 31 },
      { maxEntries: 10 },
      { previewBodies: true },
    ]) {
      expect((await admin(token, "PUT", "/settings/request-log", bad)).status).toBe(400);
    }
  });

  it("keeps an account's error history within its own cap", async () => {
    const now = Date.now();
    const failures = Array.from({ length: 230 }, (_, i) =>
      record("k3", now + i, {
        status: 529,
        accountId: "acct-busy",
        error: { type: "overloaded", message: "busy" },
      }),
    );
    await applyUsageBatch(keyspace.redis, "b3", failures, 8);
    const first = await admin<LogPage>(token, "GET", "/accounts/acct-busy/errors?limit=200");
    expect(first.body.entries).toHaveLength(200);
    expect(first.body.entries[0]).toMatchObject({ status: 529, errorType: "overloaded", message: "busy" });
    expect(first.body.entries[0]?.requestId).toBe(failures.at(-1)?.requestId);
    const rest = await admin<LogPage>(
      token,
      "GET",
      `/accounts/acct-busy/errors?limit=200&cursor=${first.body.nextCursor}`,
    );
    expect(rest.body.entries).toHaveLength(0);
  });
});

describe("request log scans", () => {
  it("page through entries of the same millisecond without gaps or repeats", async () => {
    const at = Date.now();
    const same = Array.from({ length: 45 }, () => record("k-tie", at));
    await applyUsageBatch(keyspace.redis, "ties", same, 8);
    const { entries, sizes } = await allPages({ limit: 10 });
    expect(sizes).toEqual([10, 10, 10, 10, 5]);
    expect(entries.map((e) => e.requestId).sort()).toEqual(same.map((r) => r.requestId).sort());
  });

  it("stop after a bounded number of entries when few match, and carry on from there", async () => {
    const now = Date.now();
    for (let batch = 0; batch < 5; batch++) {
      const records = Array.from({ length: 500 }, (_, i) => record(`k-${i % 7}`, now - batch * 1000 - i));
      await applyUsageBatch(keyspace.redis, `many-${batch}`, records, 8);
    }
    const first = await logPage({ keyId: "nobody", limit: 50 });
    expect(first).toMatchObject({ entries: [], scanned: 2000 });
    expect(first.nextCursor).not.toBeNull();
    const rest = await logPage({ keyId: "nobody", limit: 50, cursor: first.nextCursor ?? "" });
    expect(rest).toEqual({ entries: [], scanned: 500, nextCursor: null });
  });
});

describe("the request log's writers", () => {
  const sources = import.meta.glob<string>(["../../worker/**/*.ts", "../../durable-objects/**/*.ts"], {
    query: "?raw",
    import: "default",
    eager: true,
  });
  const using = (pattern: RegExp) =>
    Object.entries(sources)
      .filter(([, text]) => pattern.test(text))
      .map(([path]) => path.slice("../../".length))
      .sort();

  it("are the usage flush alone: the batch script, the usage store's applyBatch, the KeyGate's outbox", () => {
    expect(using(/from "\.\/request-log-ops\.ts"/)).toEqual(["worker/keyspace/usage-batch.ts"]);
    expect(using(/\bapplyUsageBatch\(/)).toEqual([
      "worker/keyspace/usage-batch.ts",
      "worker/keyspace/usage-store.ts",
    ]);
    expect(using(/\.applyBatch\(/)).toEqual(["durable-objects/key-gate/outbox.ts"]);
  });
});
