// GET /metrics: Prometheus text exposition, for the metrics token or an admin JWT, with the
// counters the relay recorded.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { UsageCounters } from "../../worker/keyspace/store.ts";
import { admin, BASE, createConsoleAccount, createKey, freshKeyspace, messages, waitFor } from "./helpers.ts";

const METRICS_TOKEN = "unit-test-metrics-token";

let token: string;
let accountId: string;
let key: { id: string; secret: string };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

/** A strict reader of the text format (0.0.4): fails the test on any line it does not understand. */
function parse(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name = "", rest = ""] = comment;
      if (kind === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(rest);
        expect(types.has(name), `second TYPE for ${name}`).toBe(false);
        types.set(name, rest);
      } else help.set(name, rest);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, `unreadable line: ${line}`).not.toBeNull();
    if (!sample) continue;
    const [, name = "", labelText = "", valueText = ""] = sample;
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (const match of labelText.matchAll(labelPattern)) {
      const [whole, labelName = "", value = ""] = match;
      labels[labelName] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      consumed += whole.length;
    }
    expect(consumed, `bad labels: ${line}`).toBe(labelText.length);
    const value = valueText === "+Inf" ? Number.POSITIVE_INFINITY : Number(valueText);
    expect(Number.isNaN(value), `bad value: ${line}`).toBe(false);
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    expect(types.has(family), `sample before its TYPE: ${line}`).toBe(true);
    samples.push({ name, labels, value });
  }
  return { types, help, samples };
}

function values(exposition: Exposition, name: string, labels: Record<string, string> = {}): number[] {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

function one(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = values(exposition, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0];
}

async function scrape(authorization?: string) {
  const response = await SELF.fetch(`${BASE}/metrics`, {
    headers: authorization ? { authorization } : {},
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function systemTotal() {
  return (await admin<{ total: UsageCounters }>(token, "GET", "/usage/summary")).body.total;
}

async function send(count: number, stream = false) {
  for (let i = 0; i < count; i++) {
    const response = await messages(key.secret, {
      stream,
      messages: [{ role: "user", content: `Question ${i}` }],
    });
    expect(response.status).toBe(200);
    await response.text();
  }
}

beforeAll(async () => {
  token = await freshKeyspace();
  accountId = await createConsoleAccount(token, "ok");
  key = await createKey(token, { name: "metered" });
  await send(2);
  await send(1, true);
  const total = await waitFor(systemTotal, (t) => t.requests === 3);
  expect(total.requests).toBe(3);
});

describe("metrics: who may scrape", () => {
  it("answers 401 without a token or with a wrong one", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-token",
      `Bearer ${METRICS_TOKEN}x`,
      METRICS_TOKEN,
    ]) {
      const answer = await scrape(authorization);
      expect(answer.status, String(authorization)).toBe(401);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(answer.text).not.toContain("edge_relay_");
    }
  });

  it("answers the metrics token and an admin JWT", async () => {
    for (const authorization of [`Bearer ${METRICS_TOKEN}`, `Bearer ${token}`]) {
      const answer = await scrape(authorization);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      parse(answer.text);
    }
  });
});

describe("metrics: what they say", () => {
  it("declares every family with HELP and TYPE", async () => {
    const exposition = parse((await scrape(`Bearer ${METRICS_TOKEN}`)).text);
    const expected: Record<string, string> = {
      edge_relay_requests_total: "counter",
      edge_relay_request_duration_seconds: "histogram",
      edge_relay_upstream_latency_seconds: "histogram",
      edge_relay_tokens_total: "counter",
      edge_relay_cost_usd_total: "counter",
      edge_relay_account_status: "gauge",
      edge_relay_account_active_leases: "gauge",
      edge_relay_usage_flushes_total: "counter",
      edge_relay_usage_flushed_records_total: "counter",
      edge_relay_usage_flush_lag_seconds: "gauge",
      edge_relay_keys_total: "gauge",
      edge_relay_accounts_total: "gauge",
    };
    expect(Object.fromEntries(exposition.types)).toEqual(expected);
    for (const name of Object.keys(expected)) expect(exposition.help.get(name)).toBeTruthy();
    expect(exposition.samples.every((s) => s.name.startsWith("edge_relay_"))).toBe(true);
  });

  it("counts the requests, their latencies, tokens and cost", async () => {
    const exposition = parse((await scrape(`Bearer ${METRICS_TOKEN}`)).text);
    expect(one(exposition, "edge_relay_requests_total", { platform: "claude", status: "200" })).toBe(3);
    expect(values(exposition, "edge_relay_requests_total")).toEqual([3]);

    for (const family of ["edge_relay_request_duration_seconds", "edge_relay_upstream_latency_seconds"]) {
      const buckets = exposition.samples.filter(
        (s) => s.name === `${family}_bucket` && s.labels.platform === "claude",
      );
      expect(buckets.map((b) => b.labels.le)).toEqual([
        "0.05",
        "0.1",
        "0.25",
        "0.5",
        "1",
        "2.5",
        "5",
        "10",
        "30",
        "60",
        "120",
        "+Inf",
      ]);
      const counts = buckets.map((b) => b.value);
      expect([...counts].sort((a, b) => a - b)).toEqual(counts);
      expect(counts.at(-1)).toBe(3);
      expect(one(exposition, `${family}_count`, { platform: "claude" })).toBe(3);
      expect(one(exposition, `${family}_sum`, { platform: "claude" })).toBeGreaterThanOrEqual(0);
    }

    const total = await systemTotal();
    expect(one(exposition, "edge_relay_tokens_total", { kind: "input" })).toBe(total.inputTokens);
    expect(one(exposition, "edge_relay_tokens_total", { kind: "output" })).toBe(total.outputTokens);
    expect(one(exposition, "edge_relay_tokens_total", { kind: "cache_create" })).toBe(
      total.cacheCreateTokens,
    );
    expect(one(exposition, "edge_relay_tokens_total", { kind: "cache_read" })).toBe(total.cacheReadTokens);
    expect(total.costMicroUsd).toBeGreaterThan(0);
    expect(one(exposition, "edge_relay_cost_usd_total")).toBeCloseTo(total.costMicroUsd / 1e6, 9);

    // The write-behind reports itself: every record flushed, and how old the last batch was.
    expect(one(exposition, "edge_relay_usage_flushed_records_total")).toBe(3);
    expect(one(exposition, "edge_relay_usage_flushes_total")).toBeGreaterThanOrEqual(1);
    const lag = one(exposition, "edge_relay_usage_flush_lag_seconds");
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(30);
  });

  it("shows accounts, their health and leases, and the key and account counts", async () => {
    const exposition = parse((await scrape(`Bearer ${token}`)).text);
    expect(
      one(exposition, "edge_relay_account_status", {
        account_id: accountId,
        platform: "claude",
        status: "active",
      }),
    ).toBe(1);
    expect(
      values(exposition, "edge_relay_account_status", { account_id: accountId }).reduce((a, b) => a + b, 0),
    ).toBe(1);
    expect(one(exposition, "edge_relay_account_active_leases", { account_id: accountId })).toBe(0);
    expect(one(exposition, "edge_relay_keys_total")).toBe(1);
    expect(one(exposition, "edge_relay_accounts_total")).toBe(1);
  });

  it("follows new requests", async () => {
    await send(2);
    await waitFor(systemTotal, (t) => t.requests === 5);
    const exposition = parse((await scrape(`Bearer ${METRICS_TOKEN}`)).text);
    expect(one(exposition, "edge_relay_requests_total", { platform: "claude", status: "200" })).toBe(5);
    expect(one(exposition, "edge_relay_request_duration_seconds_count", { platform: "claude" })).toBe(5);
  });
});
