// GET /metrics: Prometheus text exposition (0.0.4), for a bearer METRICS_TOKEN or an admin JWT.
// Counters and histograms come from the hashes the write-behind sums (keyspace/usage-batch.ts),
// and the account list read in one pipeline, the accounts' platforms in a second round trip;
// account health comes from the pools of the platforms that have accounts.
import type { Context } from "hono";
import type { AccountStatus } from "../../durable-objects/account-pool/health.ts";
import type { AccountState } from "../../durable-objects/account-pool/index.ts";
import { verifyAdminToken } from "../admin/session.ts";
import { type Env, type Services, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { errorResponse, RelayError } from "../http/errors.ts";
import { timingSafeEqual } from "../keyspace/crypto.ts";
import { poolNameOf } from "../keyspace/records/accounts.ts";
import { LATENCY_BUCKETS_MS } from "../keyspace/usage-batch.ts";
import { poolOf } from "../relay/schedule.ts";
import { usd } from "../usage/report.ts";

type MetricsContext = Context<{ Bindings: Env; Variables: RelayVariables }>;

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const PREFIX = "edge_relay_";
/** Every status, each a gauge series even at 0; a Record so a new status cannot be left out. */
const STATUS_SERIES: Record<AccountStatus, true> = {
  active: true,
  "rate-limited": true,
  overloaded: true,
  unauthorized: true,
  error: true,
  blocked: true,
};
const ACCOUNT_STATUSES = Object.keys(STATUS_SERIES) as AccountStatus[];

async function authorised(s: Services, authorization: string | undefined): Promise<boolean> {
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (!bearer) return false;
  const token = s.config.METRICS_TOKEN;
  if (token && timingSafeEqual(bearer, token)) return true;
  try {
    await verifyAdminToken(s.config, authorization);
    return true;
  } catch {
    return false;
  }
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): void {
    this.lines.push(`# HELP ${PREFIX}${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
    this.lines.push(`# TYPE ${PREFIX}${name} ${type}`);
  }

  sample(name: string, pairs: Record<string, string>, value: number): void {
    this.lines.push(`${PREFIX}${name}${labels(pairs)} ${num(value)}`);
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** `<label>|<rest>` hash fields grouped by their label (platform), the rest kept as the field. */
function byLabel(fields: Map<string, number>): Map<string, Map<string, number>> {
  const grouped = new Map<string, Map<string, number>>();
  for (const [field, value] of fields) {
    const cut = field.lastIndexOf("|");
    if (cut <= 0) continue;
    const label = field.slice(0, cut);
    const rest = field.slice(cut + 1);
    let group = grouped.get(label);
    if (!group) {
      group = new Map();
      grouped.set(label, group);
    }
    group.set(rest, value);
  }
  return grouped;
}

function histogram(out: Exposition, name: string, help: string, fields: Map<string, number>): void {
  out.family(name, "histogram", help);
  for (const [platform, values] of [...byLabel(fields)].sort(([a], [b]) => a.localeCompare(b))) {
    for (const bucket of LATENCY_BUCKETS_MS) {
      out.sample(`${name}_bucket`, { platform, le: String(bucket / 1000) }, values.get(`le_${bucket}`) ?? 0);
    }
    const count = values.get("count") ?? values.get("le_inf") ?? 0;
    out.sample(`${name}_bucket`, { platform, le: "+Inf" }, values.get("le_inf") ?? count);
    out.sample(`${name}_sum`, { platform }, (values.get("sum_ms") ?? 0) / 1000);
    out.sample(`${name}_count`, { platform }, count);
  }
}

export async function renderMetrics(env: Env, s: Services): Promise<string> {
  const snapshot = await s.keyspace.metrics.snapshot();
  // The accounts' platforms: the second (and last) keyspace round trip.
  const accounts = await s.keyspace.accountKinds(snapshot.accountIds);
  const pools = [...new Set(accounts.map(poolNameOf))].sort();
  const states = await Promise.all(
    pools.map(async (pool) => {
      try {
        return await poolOf(env, s, pool).status(pool);
      } catch {
        return [] as AccountState[];
      }
    }),
  );
  const stateOf = new Map(states.flat().map((state) => [state.accountId, state]));

  const out = new Exposition();
  out.family("requests_total", "counter", "Finished relay requests, by platform and HTTP status.");
  const requests = [...snapshot.requests].sort(([a], [b]) => a.localeCompare(b));
  for (const [field, value] of requests) {
    const cut = field.lastIndexOf("|");
    if (cut <= 0) continue;
    out.sample("requests_total", { platform: field.slice(0, cut), status: field.slice(cut + 1) }, value);
  }
  histogram(
    out,
    "request_duration_seconds",
    "Time from receiving a relay request to the end of its response.",
    snapshot.duration,
  );
  histogram(
    out,
    "upstream_latency_seconds",
    "Time until the upstream answered with response headers.",
    snapshot.upstream,
  );

  const { system } = snapshot;
  out.family("tokens_total", "counter", "Tokens used through the relay, by kind.");
  out.sample("tokens_total", { kind: "input" }, system.inputTokens);
  out.sample("tokens_total", { kind: "output" }, system.outputTokens);
  out.sample("tokens_total", { kind: "cache_create" }, system.cacheCreateTokens);
  out.sample("tokens_total", { kind: "cache_read" }, system.cacheReadTokens);
  out.family("cost_usd_total", "counter", "Cost of the relayed requests in US dollars.");
  out.sample("cost_usd_total", {}, usd(system.costMicroUsd));

  const sorted = [...accounts].sort((a, b) => a.id.localeCompare(b.id));
  out.family("account_status", "gauge", "Health of each upstream account: 1 for its current status.");
  for (const account of sorted) {
    const current = stateOf.get(account.id)?.status ?? "active";
    for (const status of ACCOUNT_STATUSES) {
      out.sample(
        "account_status",
        { account_id: account.id, platform: account.platform, status },
        status === current ? 1 : 0,
      );
    }
  }
  out.family("account_active_leases", "gauge", "Requests each upstream account is serving now.");
  for (const account of sorted) {
    out.sample(
      "account_active_leases",
      { account_id: account.id },
      stateOf.get(account.id)?.activeLeases ?? 0,
    );
  }
  const { flush } = snapshot;
  out.family("usage_flushes_total", "counter", "Write-behind batches of usage flushed to the keyspace.");
  out.sample("usage_flushes_total", {}, flush.get("batches") ?? 0);
  out.family("usage_flushed_records_total", "counter", "Request usage records flushed to the keyspace.");
  out.sample("usage_flushed_records_total", {}, flush.get("records") ?? 0);
  out.family("usage_flush_lag_seconds", "gauge", "Age of the oldest record in the last flushed batch.");
  out.sample("usage_flush_lag_seconds", {}, (flush.get("last_lag_ms") ?? 0) / 1000);
  out.family("keys_total", "gauge", "Relay keys.");
  out.sample("keys_total", {}, snapshot.keyCount);
  out.family("accounts_total", "gauge", "Upstream accounts.");
  out.sample("accounts_total", {}, accounts.length);
  return out.text();
}

export async function metricsHandler(c: MetricsContext): Promise<Response> {
  const s = services(c.env);
  if (!(await authorised(s, c.req.header("authorization")))) {
    const response = errorResponse(
      "admin",
      new RelayError("authentication", "Send Authorization: Bearer with the metrics token or an admin token"),
      c.get("requestId"),
    );
    response.headers.set("www-authenticate", 'Bearer realm="metrics"');
    return response;
  }
  return new Response(await renderMetrics(c.env, s), {
    headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
  });
}
