// Billing events (issue 22 item 5): every settled request yields one event, made by its KeyGate's
// usage flush from the record it stored durably and delivered at least once — here through the
// HTTP sink (the BillingOutbox), signed, to the fake upstream's receiver with faults.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BillingHandoff } from "../../durable-objects/key-gate/billing.ts";
import type { UsageOutbox } from "../../durable-objects/key-gate/outbox.ts";
import { billingEventOf } from "../../worker/billing/event.ts";
import { services } from "../../worker/env.ts";
import type { BillingEvent } from "../../worker/keyspace/records/billing.ts";
import type { UsageRecord } from "../../worker/usage/aggregate.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  freshKeyspace,
  messages,
  testEnv,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";
import { testSecrets } from "./test-env.ts";

interface SinkRequest {
  path: string;
  headers: Record<string, string>;
  body: { type: string; batchId: string; events: BillingEvent[] };
}
interface Sink {
  attempts: number;
  received: SinkRequest[];
}

const SECRET = "billing-s3cret";
const newSink = () => `billing-${crypto.randomUUID().slice(0, 8)}`;
const sinkUrl = (sink: string, ...options: string[]) =>
  [`${upstreamUrl}/__webhook/${sink}`, ...options].join("/");
const readSink = async (sink: string) =>
  (await (await fetch(`${upstreamUrl}/__webhook/${sink}`)).json()) as Sink;
const eventsAt = (sink: Sink) => sink.received.flatMap((r) => r.body.events);
const distinctIds = (sink: Sink) => new Set(eventsAt(sink).map((e) => e.requestId));
const outbox = () => testEnv.BILLING_OUTBOX.getByName("billing");
const gateFor = (keyId: string) => testEnv.KEY_GATE.getByName(keyId);

let token: string;

async function useSink(url: string, extra: Record<string, unknown> = {}) {
  const saved = await admin(token, "PUT", "/settings/billing", {
    enabled: true,
    url,
    secret: SECRET,
    ...extra,
  });
  expect(saved.status).toBe(200);
}

/** Every request the sink recorded is signed over "<ts>.<body>" with the secret (checked with node:crypto). */
function expectSigned(sink: Sink) {
  for (const request of sink.received) {
    const ts = request.headers["x-edge-relay-timestamp"] ?? "";
    const reference = createHmac("sha256", SECRET)
      .update(`${ts}.${JSON.stringify(request.body)}`)
      .digest("hex");
    expect(request.headers["x-edge-relay-signature"]).toBe(`sha256=${reference}`);
  }
}

/** Duplicates at the sink are only redeliveries: the same request id always carries the same event. */
function expectSameEventPerId(sink: Sink) {
  const byId = new Map<string, string>();
  for (const event of eventsAt(sink)) {
    const seen = byId.get(event.requestId);
    if (seen !== undefined) expect(JSON.stringify(event)).toBe(seen);
    byId.set(event.requestId, JSON.stringify(event));
  }
}

function usageRecord(keyId: string, n: number): UsageRecord {
  return {
    requestId: crypto.randomUUID(),
    keyId,
    accountId: "acct-1",
    model: "claude-sonnet-4-5",
    platform: "claude",
    status: 200,
    startedAt: Date.now(),
    durationMs: 120,
    usage: {
      input_tokens: n,
      output_tokens: 2,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: n + 0.25,
  };
}

/** The Upstash bridge's test control (dev/upstash-bridge.ts), as in restart-outage.test.ts. */
async function keyspace(state: "pause" | "resume"): Promise<void> {
  const response = await fetch(`${testEnv.UPSTASH_REDIS_REST_URL}/__${state}`, {
    method: "POST",
    headers: { authorization: `Bearer ${testSecrets.UPSTASH_REDIS_REST_TOKEN}` },
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  token = await freshKeyspace();
});

afterEach(async () => {
  await keyspace("resume");
});

describe("a billing event", () => {
  it("is made from the stored record: exact cost, and the rated cost the gate counted when it differs", () => {
    const record = { ...usageRecord("k", 10), costMicroUsd: 1.234567 };
    const plain = billingEventOf(record, "user-1");
    expect(plain).toMatchObject({
      requestId: record.requestId,
      keyId: "k",
      ownerId: "user-1",
      accountId: "acct-1",
      served: true,
      tokens: { input: 10, output: 2, cacheCreate: 0, cacheRead: 0, total: 12 },
      costPicoUsd: 1_234_567,
      costUsd: 0.000001234567,
      ratedCostUsd: 0.000001234567,
      at: new Date(record.startedAt).toISOString(),
    });
    const ratedEvent = billingEventOf({ ...record, ratedCostMicroUsd: 2.469134 }, null);
    expect(ratedEvent.costUsd).toBe(0.000001234567);
    expect(ratedEvent.ratedCostUsd).toBe(0.000002469134);
    // The same record always makes the same event (a redelivery carries the same content).
    expect(JSON.stringify(billingEventOf(record, "user-1"))).toBe(JSON.stringify(plain));
    expect(billingEventOf({ ...record, served: false, costMicroUsd: 0 }, null)).toMatchObject({
      served: false,
      costUsd: 0,
    });
  });
});

describe("billing events through the HTTP sink", () => {
  it("N requests through the relay: N distinct request ids arrive, signed, through a sink that drops half the first deliveries", async () => {
    const sink = newSink();
    await useSink(sinkUrl(sink, "drop-half"), { batchSize: 7 });
    await createConsoleAccount(token, "ok");
    // A key of a portal user, so the events name its owner.
    const user = await admin<{ user: { id: string } }>(token, "POST", "/users", {
      username: `payer-${crypto.randomUUID().slice(0, 6)}`,
      password: "payer-password-1",
      maxKeys: 2,
    });
    expect(user.status).toBe(201);
    const login = await SELF.fetch(`${BASE}/users/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: (await admin<{ user: { username: string } }>(token, "GET", `/users/${user.body.user.id}`))
          .body.user.username,
        password: "payer-password-1",
      }),
    });
    const userToken = ((await login.json()) as { token: string }).token;
    const created = await SELF.fetch(`${BASE}/users/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${userToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "billed" }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };

    const N = 40;
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => messages(secret, { max_tokens: 10 + i, stream: i % 2 === 0 })),
    );
    const requestIds = new Set<string>();
    for (const response of responses) {
      expect(response.status).toBe(200);
      await response.text();
      requestIds.add(response.headers.get("x-request-id") ?? "");
    }
    expect(requestIds.size).toBe(N);

    const got = await waitFor(
      () => readSink(sink),
      (s) => distinctIds(s).size >= N,
      30_000,
    );
    expect(distinctIds(got)).toEqual(requestIds);
    // Half the first deliveries were dropped, so some were retried.
    expect(got.attempts).toBeGreaterThan(got.received.length);
    expectSigned(got);
    expectSameEventPerId(got);
    for (const event of eventsAt(got)) {
      expect(event).toMatchObject({
        v: 1,
        type: "billing.usage",
        keyId: key.id,
        ownerId: user.body.user.id,
        platform: "claude",
        model: "claude-sonnet-4-5",
        status: 200,
        served: true,
      });
      expect(event.accountId).toEqual(expect.any(String));
      expect(event.tokens.total).toBe(
        event.tokens.input + event.tokens.output + event.tokens.cacheCreate + event.tokens.cacheRead,
      );
      expect(event.tokens.output).toBeGreaterThan(0);
      expect(event.costUsd).toBeGreaterThan(0);
      expect(event.costUsd).toBe(event.costPicoUsd / 1e12);
      expect(event.ratedCostUsd).toBe(event.costUsd);
    }
    // The events' costs are the key's recorded cost, to the pico-dollar.
    const picoSum = [...new Map(eventsAt(got).map((e) => [e.requestId, e.costPicoUsd])).values()].reduce(
      (a, b) => a + b,
      0,
    );
    const total = await services(testEnv).keyspace.getUsage("key", key.id, { kind: "total" });
    expect(picoSum).toBe(Math.round(total.costMicroUsd * 1e6));
    const status = await admin<{ pending: number; attempts: { ok: boolean }[] }>(
      token,
      "GET",
      "/billing/status",
    );
    expect(status.body.attempts.some((a) => !a.ok)).toBe(true);
  }, 60_000);

  it("sends nothing before the usage flush; a settle retried after the flush makes no second event", async () => {
    const sink = newSink();
    await useSink(sinkUrl(sink));
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    const records = Array.from({ length: 12 }, (_, i) => usageRecord(keyId, i + 1));
    await Promise.all(records.map((record) => gate.settle({ leaseId: null, record })));
    // Settled and durable, not flushed: nothing has left the gate.
    expect((await gate.snapshot()).unflushed).toBe(12);
    expect((await readSink(sink)).received).toHaveLength(0);
    await runDurableObjectAlarm(gate);
    const got = await waitFor(
      () => readSink(sink),
      (s) => distinctIds(s).size >= 12,
      10_000,
    );
    expect(distinctIds(got)).toEqual(new Set(records.map((r) => r.requestId)));
    expect(eventsAt(got)).toHaveLength(12);
    // A retried settle of a flushed request is recognised: no second event.
    await gate.settle({ leaseId: null, record: records[0] as UsageRecord });
    await runDurableObjectAlarm(gate);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(eventsAt(await readSink(sink))).toHaveLength(12);
  }, 30_000);

  it("loses no pending event when the outbox restarts while the sink is down", async () => {
    const down = newSink();
    await useSink(sinkUrl(down, "fail-100000"));
    await outbox().settingsChanged();
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    const records = Array.from({ length: 15 }, (_, i) => usageRecord(keyId, i + 1));
    for (const record of records) await gate.settle({ leaseId: null, record });
    await runDurableObjectAlarm(gate);
    await waitFor(
      () => readSink(down),
      (s) => s.attempts >= 1,
      10_000,
    );
    expect((await outbox().status()).pending).toBeGreaterThanOrEqual(15);
    await evictDurableObject(outbox());
    // The sink is back (a new URL here), after the restart.
    const up = newSink();
    await useSink(sinkUrl(up));
    await runDurableObjectAlarm(outbox());
    const got = await waitFor(
      () => readSink(up),
      (s) => records.every((r) => distinctIds(s).has(r.requestId)),
      15_000,
    );
    expect(records.every((r) => distinctIds(got).has(r.requestId))).toBe(true);
    expectSigned(got);
    expect((await readSink(down)).received).toHaveLength(0);
  }, 40_000);

  it("sends nothing while the usage flush fails (keyspace down), and all once it succeeds after a gate restart", async () => {
    const sink = newSink();
    await useSink(sinkUrl(sink, "drop-half"));
    await outbox().settingsChanged();
    const keyId = crypto.randomUUID();
    const records = Array.from({ length: 20 }, (_, i) => usageRecord(keyId, i + 1));
    await keyspace("pause");
    for (const record of records) await gateFor(keyId).settle({ leaseId: null, record });
    await runDurableObjectAlarm(gateFor(keyId));
    expect((await gateFor(keyId).snapshot()).unflushed).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await readSink(sink)).attempts).toBe(0);
    await evictDurableObject(gateFor(keyId));
    await keyspace("resume");
    await runDurableObjectAlarm(gateFor(keyId));
    const got = await waitFor(
      () => readSink(sink),
      (s) => distinctIds(s).size >= 20,
      15_000,
    );
    expect(distinctIds(got)).toEqual(new Set(records.map((r) => r.requestId)));
    expectSameEventPerId(got);
    expectSigned(got);
    expect((await services(testEnv).keyspace.getUsage("key", keyId, { kind: "total" })).requests).toBe(20);
  }, 40_000);

  it('admin API: the secret is never shown back, kept when left out and removed with ""; a test send is a signed empty batch; the status names the sink', async () => {
    const sink = newSink();
    await useSink(sinkUrl(sink), { batchSize: 25 });
    const read = await admin<Record<string, unknown>>(token, "GET", "/settings/billing");
    expect(read.body).toMatchObject({
      enabled: true,
      url: sinkUrl(sink),
      secretSet: true,
      batchSize: 25,
      sink: "http",
    });
    expect(JSON.stringify(read.body)).not.toContain(SECRET);
    const kept = await admin<Record<string, unknown>>(token, "PUT", "/settings/billing", {
      timeoutMs: 5_000,
    });
    expect(kept.body).toMatchObject({ secretSet: true, timeoutMs: 5_000, batchSize: 25 });

    const sent = await admin<{ ok: boolean; status: number }>(token, "POST", "/billing/test");
    expect(sent.body).toMatchObject({ ok: true, status: 200 });
    const got = await readSink(sink);
    expect(got.received).toHaveLength(1);
    expect(got.received[0]?.body).toMatchObject({ type: "billing.batch", service: "edge-relay", events: [] });
    expectSigned(got);
    const status = await admin<{ sink: string; attempts: { events: number; ok: boolean }[] }>(
      token,
      "GET",
      "/billing/status",
    );
    expect(status.body.sink).toBe("http");
    expect(status.body.attempts[0]).toMatchObject({ events: 0, ok: true });

    const cleared = await admin<Record<string, unknown>>(token, "PUT", "/settings/billing", { secret: "" });
    expect(cleared.body).toMatchObject({ secretSet: false });
    const off = await admin<Record<string, unknown>>(token, "PUT", "/settings/billing", { url: null });
    expect(off.body).toMatchObject({ url: null, sink: "off" });
    const bad = await admin(token, "PUT", "/settings/billing", { url: "ftp://billing.example/" });
    expect(bad.status).toBe(400);
    // The OpenAPI document describes what a sink receives.
    const doc = (await (await SELF.fetch(`${BASE}/admin/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.components.schemas.BillingBatch?.properties ?? {})).toContain("events");
    expect(Object.keys(doc.components.schemas.BillingEvent?.properties ?? {})).toEqual(
      expect.arrayContaining(["requestId", "costPicoUsd", "ratedCostUsd", "ownerId"]),
    );
  });

  it("drops the events waiting when the sink is switched off (none are made while it is off)", async () => {
    const down = newSink();
    await useSink(sinkUrl(down, "fail-100000"));
    const keyId = crypto.randomUUID();
    for (let i = 0; i < 5; i++)
      await gateFor(keyId).settle({ leaseId: null, record: usageRecord(keyId, i + 1) });
    await runDurableObjectAlarm(gateFor(keyId));
    await waitFor(
      () => readSink(down),
      (s) => s.attempts >= 1,
      10_000,
    );
    expect((await outbox().status()).pending).toBeGreaterThanOrEqual(5);
    const off = await admin(token, "PUT", "/settings/billing", { enabled: false });
    expect(off.status).toBe(200);
    // The change wakes the outbox (its next alarm at once).
    const left = await waitFor(
      async () => (await outbox().status()).pending,
      (n) => n === 0,
      10_000,
    );
    expect(left).toBe(0);
  }, 30_000);

  it("loses no event when the gate stops between its flush and the hand-off", async () => {
    const sink = newSink();
    await useSink(sinkUrl(sink));
    await outbox().settingsChanged();
    const keyId = crypto.randomUUID();
    const records = Array.from({ length: 8 }, (_, i) => usageRecord(keyId, i + 1));
    for (const record of records) await gateFor(keyId).settle({ leaseId: null, record });
    // The first half of the gate's alarm only: the flush, which stores the events with its
    // confirmation; then the object stops before it hands them on.
    await runInDurableObject(gateFor(keyId), async (gate) => {
      const inner = gate as unknown as { outbox: UsageOutbox; billing: BillingHandoff };
      const now = Date.now();
      expect(await inner.billing.wanted(now)).toBe(true);
      await inner.outbox.flush(services(testEnv).keyspace.usage, 8, now, (flushed) =>
        inner.billing.capture(flushed, null, now),
      );
      expect(inner.billing.waiting).toBe(8);
    });
    expect((await gateFor(keyId).snapshot()).unflushed).toBe(0);
    await evictDurableObject(gateFor(keyId));
    expect((await readSink(sink)).received).toHaveLength(0);
    // The restarted gate hands them on (its constructor sets the alarm for what is waiting).
    await runDurableObjectAlarm(gateFor(keyId));
    const got = await waitFor(
      () => readSink(sink),
      (s) => distinctIds(s).size >= 8,
      10_000,
    );
    expect(distinctIds(got)).toEqual(new Set(records.map((r) => r.requestId)));
    expect(eventsAt(got)).toHaveLength(8);
  }, 30_000);
});
