// Webhooks: each target's request (URL, headers, body, signatures against an independent
// computation with node:crypto), and the Notifier delivering from its alarm with retries, off the
// path of the requests that raise events.

import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeliveryAttempt } from "../../durable-objects/notifier/index.ts";
import worker from "../../worker/index.ts";
import type { RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import type { WebhookTarget } from "../../worker/keyspace/records/webhooks.ts";
import { newEvent, type RelayEvent } from "../../worker/webhooks/events.ts";
import { buildDelivery, deliveryAccepted } from "../../worker/webhooks/format.ts";
import { expiryWarnings } from "../../worker/webhooks/housekeeping.ts";
import { accountStatusEvent } from "../../worker/webhooks/sources.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  messages,
  testEnv,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

const NOW = Date.parse("2026-11-23T10:00:00.000Z");
const EVENT: RelayEvent = {
  id: "evt_test",
  type: "account.unauthorized",
  at: NOW - 1_000,
  data: {
    accountId: "acc-1",
    accountName: "team-console",
    platform: "claude",
    status: "unauthorized",
    until: "2026-11-23T10:30:00.000Z",
    reason: "unauthorized",
  },
};

const common = { name: "", enabled: true, events: [], timeoutMs: 10_000 };
const bodyOf = (init: { body: string }) => JSON.parse(init.body) as Record<string, unknown>;

describe("target formats", () => {
  it("custom: {type, service, timestamp, data}, signed with HMAC-SHA256 over '<ts>.<body>' when a secret is set", async () => {
    const target: WebhookTarget = {
      ...common,
      id: "c",
      type: "custom",
      url: "https://hooks.example/in",
      secret: "s3cret",
    };
    const { url, init } = await buildDelivery(target, EVENT, NOW);
    expect(url).toBe("https://hooks.example/in");
    expect(init.method).toBe("POST");
    expect(init.headers["content-type"]).toBe("application/json");
    expect(init.headers["x-edge-relay-event-id"]).toBe("evt_test");
    expect(bodyOf(init)).toEqual({
      type: "account.unauthorized",
      service: "edge-relay",
      timestamp: new Date(EVENT.at).toISOString(),
      data: EVENT.data,
    });
    const ts = String(Math.floor(NOW / 1000));
    expect(init.headers["x-edge-relay-timestamp"]).toBe(ts);
    const reference = createHmac("sha256", "s3cret").update(`${ts}.${init.body}`).digest("hex");
    expect(init.headers["x-edge-relay-signature"]).toBe(`sha256=${reference}`);

    const unsigned = await buildDelivery({ ...target, secret: undefined }, EVENT, NOW);
    expect(unsigned.init.headers).not.toHaveProperty("x-edge-relay-signature");
  });

  it("slack, discord, wecom: the title and the account in their message shapes", async () => {
    const slack = await buildDelivery(
      { ...common, id: "s", type: "slack", url: "https://hooks.slack.com/services/T/B/X" },
      EVENT,
      NOW,
    );
    expect(slack.url).toBe("https://hooks.slack.com/services/T/B/X");
    const slackText = String(bodyOf(slack.init).text);
    expect(slackText).toMatch(/^\*\[edge-relay\] Account unauthorized\*\n/);
    expect(slackText).toContain("Account: team-console");

    const discord = await buildDelivery(
      { ...common, id: "d", type: "discord", url: "https://discord.com/api/webhooks/1/x" },
      EVENT,
      NOW,
    );
    const embed = (bodyOf(discord.init).embeds as Record<string, unknown>[])[0];
    expect(embed).toMatchObject({ title: "[edge-relay] Account unauthorized", color: 0xe74c3c });
    expect(String(embed?.description)).toContain("Platform: claude");

    const wecom = await buildDelivery(
      { ...common, id: "w", type: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K" },
      EVENT,
      NOW,
    );
    expect(wecom.url).toBe("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K");
    expect(bodyOf(wecom.init)).toMatchObject({ msgtype: "markdown" });
    expect(JSON.stringify(bodyOf(wecom.init))).toContain("Account unauthorized");
  });

  it("telegram: sendMessage on the bot's URL with the chat id; bark: /push with the device key", async () => {
    const telegram = await buildDelivery(
      { ...common, id: "t", type: "telegram", botToken: "123:ABC", chatId: "-1001" },
      EVENT,
      NOW,
    );
    expect(telegram.url).toBe("https://api.telegram.org/bot123:ABC/sendMessage");
    expect(bodyOf(telegram.init)).toMatchObject({ chat_id: "-1001", disable_web_page_preview: true });
    expect(String(bodyOf(telegram.init).text)).toContain("Account: team-console");

    const bark = await buildDelivery(
      { ...common, id: "b", type: "bark", deviceKey: "DEV", url: "https://bark.example/" },
      EVENT,
      NOW,
    );
    expect(bark.url).toBe("https://bark.example/push");
    expect(bodyOf(bark.init)).toMatchObject({
      device_key: "DEV",
      title: "[edge-relay] Account unauthorized",
      group: "edge-relay",
    });
  });

  it("feishu: signs with HMAC-SHA256 keyed by '<ts>\\n<secret>' over nothing, timestamp in seconds", async () => {
    const target: WebhookTarget = {
      ...common,
      id: "f",
      type: "feishu",
      url: "https://open.feishu.cn/open-apis/bot/v2/hook/H",
      secret: "fs-secret",
    };
    const { url, init } = await buildDelivery(target, EVENT, NOW);
    expect(url).toBe("https://open.feishu.cn/open-apis/bot/v2/hook/H");
    const body = bodyOf(init);
    const ts = String(Math.floor(NOW / 1000));
    expect(body.timestamp).toBe(ts);
    expect(body.sign).toBe(createHmac("sha256", `${ts}\nfs-secret`).update("").digest("base64"));
    expect(body).toMatchObject({
      msg_type: "text",
      content: { text: expect.stringContaining("Account unauthorized") },
    });
    const unsigned = bodyOf((await buildDelivery({ ...target, secret: undefined }, EVENT, NOW)).init);
    expect(unsigned).not.toHaveProperty("sign");
  });

  it("dingtalk: signs with HMAC-SHA256(secret, '<ms>\\n<secret>') in the query, markdown body", async () => {
    const target: WebhookTarget = {
      ...common,
      id: "k",
      type: "dingtalk",
      url: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN",
      secret: "SEC123",
    };
    const { url, init } = await buildDelivery(target, EVENT, NOW);
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe("https://oapi.dingtalk.com/robot/send");
    expect(parsed.searchParams.get("access_token")).toBe("TOKEN");
    expect(parsed.searchParams.get("timestamp")).toBe(String(NOW));
    const reference = createHmac("sha256", "SEC123").update(`${NOW}\nSEC123`).digest("base64");
    expect(parsed.searchParams.get("sign")).toBe(reference);
    expect(url).toContain(`sign=${encodeURIComponent(reference).replaceAll("%20", "+")}`);
    expect(bodyOf(init)).toMatchObject({
      msgtype: "markdown",
      markdown: { title: "[edge-relay] Account unauthorized" },
    });
  });

  it("reads the robots' 200-with-error answers as failures", () => {
    const ding: WebhookTarget = {
      ...common,
      id: "k",
      type: "dingtalk",
      url: "https://oapi.dingtalk.com/robot/send",
    };
    expect(deliveryAccepted(ding, '{"errcode":0,"errmsg":"ok"}')).toBe(true);
    expect(deliveryAccepted(ding, '{"errcode":310000,"errmsg":"sign not match"}')).toBe(false);
    const tg: WebhookTarget = { ...common, id: "t", type: "telegram", botToken: "x", chatId: "1" };
    expect(deliveryAccepted(tg, '{"ok":false,"description":"chat not found"}')).toBe(false);
    const fs: WebhookTarget = { ...common, id: "f", type: "feishu", url: "https://open.feishu.cn/x" };
    expect(deliveryAccepted(fs, '{"code":19021,"msg":"sign match fail"}')).toBe(false);
    expect(deliveryAccepted(fs, '{"StatusCode":0}')).toBe(true);
  });

  it("names account events by the status they moved to", () => {
    const base = { accountId: "a", status: "active" as const, until: 0 };
    expect(accountStatusEvent(base).type).toBe("account.recovered");
    expect(accountStatusEvent({ ...base, status: "rate-limited", until: NOW }).type).toBe(
      "account.rate_limited",
    );
    expect(accountStatusEvent({ ...base, status: "error", until: NOW }).data.until).toBe(
      new Date(NOW).toISOString(),
    );
  });

  it("warns about keys expiring within the window, once per key and date", () => {
    const key = (id: string, expiresAt: string, extra: Partial<RelayKeyRecord> = {}) =>
      ({ id, name: id, isActive: true, expiry: { mode: "fixed", expiresAt }, ...extra }) as RelayKeyRecord;
    const warnings = expiryWarnings(
      [
        key("soon", "2026-11-25T10:00:00.000Z"),
        key("later", "2026-12-20T10:00:00.000Z"),
        key("past", "2026-11-20T10:00:00.000Z"),
        key("off", "2026-11-24T10:00:00.000Z", { isActive: false }),
      ],
      3,
      NOW,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      event: { type: "key.expiring", data: { keyId: "soon", daysLeft: 2 } },
      dedupeKey: "key.expiring:soon:2026-11-25T10:00:00.000Z",
    });
  });
});

// ---- the Notifier ----------------------------------------------------------------------

const notifier = () => testEnv.NOTIFIER.getByName("default");
const sinkUrl = (sink: string, ...options: string[]) =>
  [`${upstreamUrl}/__webhook/${sink}`, ...options].join("/");

interface Sink {
  attempts: number;
  received: { path: string; headers: Record<string, string>; body: Record<string, unknown> }[];
}
const readSink = async (sink: string) =>
  (await (await fetch(`${upstreamUrl}/__webhook/${sink}`)).json()) as Sink;

async function attemptsFor(eventId: string): Promise<DeliveryAttempt[]> {
  return (await notifier().deliveries(200)).filter((a) => a.eventId === eventId).reverse();
}

async function configure(targets: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  const saved = await admin(token, "PUT", "/webhooks", {
    targets,
    maxRetries: 3,
    retryDelayMs: 60_000,
    ...extra,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  return saved.body;
}

let token: string;

describe("Notifier", () => {
  beforeAll(async () => {
    token = await freshKeyspace();
  });

  it("delivers an event exactly once after two failures, retrying from its alarm with backoff", async () => {
    const sink = `flaky-${crypto.randomUUID()}`;
    await configure([{ id: "flaky", type: "custom", url: sinkUrl(sink, "fail-2"), secret: "hook-secret" }]);
    const event = newEvent("account.rate_limited", {
      accountId: "acc-9",
      accountName: "flaky-account",
      platform: "claude",
    });
    expect(await notifier().enqueue([{ event }])).toEqual({ queued: 1 });

    // First try: the alarm set by enqueue (run here if it has not fired by itself yet).
    await runDurableObjectAlarm(notifier());
    await waitFor(
      () => attemptsFor(event.id),
      (a) => a.length === 1,
    );
    const queued = (await notifier().pending()).deliveries.find((d) => d.eventId === event.id);
    expect(queued?.attempts).toBe(1);
    // Backoff: retryDelayMs · 2^0 after the first failure.
    expect(Date.parse(queued?.nextAt ?? "") - Date.now()).toBeGreaterThan(50_000);

    expect(await runDurableObjectAlarm(notifier())).toBe(true);
    const second = (await notifier().pending()).deliveries.find((d) => d.eventId === event.id);
    expect(second?.attempts).toBe(2);
    expect(Date.parse(second?.nextAt ?? "") - Date.now()).toBeGreaterThan(110_000);
    expect(await runDurableObjectAlarm(notifier())).toBe(true);

    const attempts = await attemptsFor(event.id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, "retrying", 500],
      [2, "retrying", 500],
      [3, "delivered", 200],
    ]);
    const got = await readSink(sink);
    expect(got.attempts).toBe(3);
    expect(got.received).toHaveLength(1);
    const [delivered] = got.received;
    expect(delivered?.body).toMatchObject({
      type: "account.rate_limited",
      service: "edge-relay",
      data: { accountId: "acc-9", accountName: "flaky-account" },
    });
    const ts = delivered?.headers["x-edge-relay-timestamp"] ?? "";
    const signed = createHmac("sha256", "hook-secret")
      .update(`${ts}.${JSON.stringify(delivered?.body)}`)
      .digest("hex");
    expect(delivered?.headers["x-edge-relay-signature"]).toBe(`sha256=${signed}`);
    // Nothing left: no further alarm, no second copy.
    expect((await notifier().pending()).deliveries.filter((d) => d.eventId === event.id)).toEqual([]);
    await runDurableObjectAlarm(notifier());
    expect((await readSink(sink)).received).toHaveLength(1);
  });

  it("gives up after maxRetries, and does not retry a refused (4xx-style) target forever", async () => {
    const sink = `dead-${crypto.randomUUID()}`;
    await configure([{ id: "dead", type: "custom", url: sinkUrl(sink, "fail-99") }], { maxRetries: 1 });
    const event = newEvent("account.error", { accountId: "acc-dead" });
    await notifier().enqueue([{ event }]);
    await runDurableObjectAlarm(notifier());
    await waitFor(
      () => attemptsFor(event.id),
      (a) => a.length === 1,
    );
    await runDurableObjectAlarm(notifier());
    const attempts = await attemptsFor(event.id);
    expect(attempts.map((a) => a.outcome)).toEqual(["retrying", "gave-up"]);
    expect((await notifier().pending()).deliveries.filter((d) => d.eventId === event.id)).toEqual([]);
  });

  it("sends each event only to the targets that take its type, and dedupes by key", async () => {
    const quotaSink = `quota-${crypto.randomUUID()}`;
    const allSink = `all-${crypto.randomUUID()}`;
    await configure([
      { id: "quota-only", type: "custom", url: sinkUrl(quotaSink), events: ["key.quota_reached"] },
      { id: "off", type: "custom", url: sinkUrl(allSink), enabled: false },
    ]);
    const first = newEvent("key.quota_reached", { keyId: "k1" });
    const other = newEvent("account.overloaded", { accountId: "a1" });
    expect(await notifier().enqueue([{ event: first, dedupeKey: "dedupe-test" }, { event: other }])).toEqual({
      queued: 2,
    });
    expect(
      await notifier().enqueue([{ event: newEvent("key.quota_reached", {}), dedupeKey: "dedupe-test" }]),
    ).toEqual({
      queued: 0,
    });
    await runDurableObjectAlarm(notifier());
    await waitFor(
      () => readSink(quotaSink),
      (s) => s.received.length === 1,
    );
    expect((await readSink(quotaSink)).received.map((r) => r.body.type)).toEqual(["key.quota_reached"]);
    expect((await readSink(allSink)).attempts).toBe(0);
  });

  it("keeps secrets out of GET, keeps them on a PUT that leaves them out, and test-sends on demand", async () => {
    const sink = `test-${crypto.randomUUID()}`;
    await configure([{ id: "signed", type: "custom", url: sinkUrl(sink), secret: "keep-me" }]);
    const shown = await admin<{ targets: Record<string, unknown>[] }>(token, "GET", "/webhooks");
    expect(shown.body.targets[0]).toMatchObject({ id: "signed", secretSet: true });
    expect(JSON.stringify(shown.body)).not.toContain("keep-me");
    // Saving back what was shown keeps the secret.
    await configure(shown.body.targets);
    const tested = await admin<{ results: { targetId: string; ok: boolean; status: number }[] }>(
      token,
      "POST",
      "/webhooks/test",
      { targetId: "signed" },
    );
    expect(tested.body.results).toEqual([
      expect.objectContaining({ targetId: "signed", ok: true, status: 200 }),
    ]);
    const [received] = (await readSink(sink)).received;
    expect(received?.body).toMatchObject({ type: "test", service: "edge-relay" });
    const ts = received?.headers["x-edge-relay-timestamp"] ?? "";
    const signed = createHmac("sha256", "keep-me")
      .update(`${ts}.${JSON.stringify(received?.body)}`)
      .digest("hex");
    expect(received?.headers["x-edge-relay-signature"]).toBe(`sha256=${signed}`);
    expect((await admin(token, "POST", "/webhooks/test", { targetId: "nope" })).status).toBe(404);

    const log = await admin<{ deliveries: DeliveryAttempt[] }>(token, "GET", "/webhooks/deliveries?limit=5");
    expect(log.body.deliveries[0]).toMatchObject({
      targetId: "signed",
      eventType: "test",
      outcome: "test",
      ok: true,
    });
    const invalid = await admin<{ error: { message: string } }>(token, "PUT", "/webhooks", {
      targets: [{ id: "x", type: "slack", url: "not a url" }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/^targets\.0\.url/);
  });

  it("queues an account's status change without slowing the request that caused it, however slow the target", async () => {
    token = await freshKeyspace();
    const sink = `hang-${crypto.randomUUID()}`;
    await configure([{ id: "hang", type: "custom", url: sinkUrl(sink, "hold-5000"), timeoutMs: 1_000 }]);
    const parked = await createConsoleAccount(token, "429", { priority: 1 });
    await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);

    const started = Date.now();
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    expect(Date.now() - started).toBeLessThan(2_500);

    // The event is queued, then tried against the hanging target in the background.
    const seen = await waitFor(
      async () => {
        const [queue, log] = await Promise.all([notifier().pending(), notifier().deliveries(50)]);
        return [...queue.deliveries, ...log].some((d) => d.eventType === "account.rate_limited");
      },
      (found) => found,
    );
    expect(seen).toBe(true);
    const attempt = await waitFor(
      async () => (await notifier().deliveries(50)).find((d) => d.targetId === "hang"),
      (a) => a !== undefined,
      5_000,
    );
    expect(attempt).toMatchObject({ ok: false, status: null, outcome: "retrying" });
    expect(attempt?.error).toMatch(/no answer within 1000 ms/);
    expect((await readSink(sink)).attempts).toBeGreaterThanOrEqual(1);
    void parked;
  });

  it("announces a key's spent quota once per period", async () => {
    token = await freshKeyspace();
    const sink = `quota-once-${crypto.randomUUID()}`;
    await configure([{ id: "quota", type: "custom", url: sinkUrl(sink), events: ["key.quota_reached"] }], {
      retryDelayMs: 100,
    });
    await createConsoleAccount(token, "ok");
    const capped = await createKey(token, { limits: { dailyCostLimit: 0.000001 } });
    const first = await messages(capped.secret, { model: "claude-opus-4-1" });
    expect(first.status).toBe(200);
    await first.text();
    await waitFor(
      async () => messages(capped.secret, {}),
      (r) => r.status === 402,
    );
    for (let i = 0; i < 3; i++) expect((await messages(capped.secret, {})).status).toBe(402);
    const got = await waitFor(
      () => readSink(sink),
      (s) => s.received.length >= 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await readSink(sink)).received).toHaveLength(1);
    expect(got.received[0]?.body).toMatchObject({
      type: "key.quota_reached",
      data: { keyId: capped.id, code: "daily_cost_limit_exceeded" },
    });
  });

  it("warns from the housekeeping cron about a key about to expire", async () => {
    token = await freshKeyspace();
    const sink = `expiry-${crypto.randomUUID()}`;
    await configure([{ id: "expiry", type: "custom", url: sinkUrl(sink), events: ["key.expiring"] }]);
    const soon = await createKey(token, {
      expiry: { mode: "fixed", expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    await createKey(token, {
      expiry: { mode: "fixed", expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
    });
    for (let run = 0; run < 2; run++) {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ cron: "41 * * * *", scheduledTime: new Date() }),
        testEnv,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    }
    await runDurableObjectAlarm(notifier());
    const got = await waitFor(
      () => readSink(sink),
      (s) => s.received.length >= 1,
    );
    expect(got.received.map((r) => (r.body.data as { keyId: string }).keyId)).toEqual([soon.id]);
  });

  it("answers the admin API's webhook routes only to admins", async () => {
    const response = await SELF.fetch(`${BASE}/admin/webhooks`);
    expect(response.status).toBe(401);
  });
});
