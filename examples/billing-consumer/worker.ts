// An example consumer of edge-relay's billing events: from the Queue the relay produces to
// (BILLING_QUEUE), or from its HTTP sink (POST /billing, signature checked). Delivery is at least
// once, so it keeps every request id it has booked (a Durable Object's SQLite) and books a
// redelivered event no second time. GET /totals shows what was booked.
import { DurableObject } from "cloudflare:workers";

interface BillingEvent {
  v: 1;
  type: "billing.usage";
  requestId: string;
  keyId: string;
  ownerId: string | null;
  costPicoUsd: number;
  ratedCostUsd: number;
  at: string;
}

interface ConsumerEnv {
  LEDGER: DurableObjectNamespace<BillingLedger>;
  /** The secret set as the relay's billing sink secret (HTTP sink only). */
  BILLING_SECRET?: string;
}

export interface LedgerTotals {
  /** Distinct request ids booked. */
  booked: number;
  /** Deliveries of an id already booked (redeliveries), skipped. */
  duplicates: number;
  costPicoUsd: number;
  requestIds: string[];
}

function isBillingEvent(value: unknown): value is BillingEvent {
  if (!value || typeof value !== "object") return false;
  const event = value as Record<string, unknown>;
  return (
    event.type === "billing.usage" &&
    typeof event.requestId === "string" &&
    typeof event.keyId === "string" &&
    Number.isSafeInteger(event.costPicoUsd)
  );
}

/** One ledger: books each request id once (INSERT OR IGNORE), in one transaction per delivery. */
export class BillingLedger extends DurableObject<ConsumerEnv> {
  constructor(ctx: DurableObjectState, env: ConsumerEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS booked (request_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, owner_id TEXT, cost_pico INTEGER NOT NULL, at TEXT NOT NULL)",
    );
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    );
  }

  async book(events: BillingEvent[]): Promise<{ booked: number; duplicates: number }> {
    const sql = this.ctx.storage.sql;
    let booked = 0;
    this.ctx.storage.transactionSync(() => {
      for (const e of events) {
        booked += sql.exec(
          "INSERT OR IGNORE INTO booked (request_id, key_id, owner_id, cost_pico, at) VALUES (?, ?, ?, ?, ?)",
          e.requestId,
          e.keyId,
          e.ownerId,
          e.costPicoUsd,
          e.at,
        ).rowsWritten;
      }
      sql.exec(
        "INSERT INTO counters (name, value) VALUES ('duplicates', ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        events.length - booked,
      );
    });
    return { booked, duplicates: events.length - booked };
  }

  async totals(): Promise<LedgerTotals> {
    const sql = this.ctx.storage.sql;
    const sums = sql
      .exec<{ n: number; cost: number | null }>("SELECT COUNT(*) AS n, SUM(cost_pico) AS cost FROM booked")
      .one();
    const duplicates =
      sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'duplicates'").toArray()[0]
        ?.value ?? 0;
    const requestIds = sql
      .exec<{ request_id: string }>("SELECT request_id FROM booked ORDER BY request_id")
      .toArray()
      .map((row) => row.request_id);
    return { booked: sums.n, duplicates, costPicoUsd: sums.cost ?? 0, requestIds };
  }
}

const ledger = (env: ConsumerEnv) => env.LEDGER.getByName("ledger");

async function hmacHex(secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time comparison of two hex strings. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export default {
  /** Queue consumer: a batch is acknowledged only once its events are booked; else it is retried. */
  async queue(batch: MessageBatch<unknown>, env: ConsumerEnv): Promise<void> {
    const events = batch.messages.map((m) => m.body).filter(isBillingEvent);
    await ledger(env).book(events);
    batch.ackAll();
  },

  async fetch(request: Request, env: ConsumerEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/totals")
      return Response.json(await ledger(env).totals());
    if (request.method === "POST" && url.pathname === "/billing") {
      // The HTTP sink: check the relay's signature over "<timestamp>.<body>" and the timestamp's age.
      const body = await request.text();
      const ts = request.headers.get("x-edge-relay-timestamp") ?? "";
      const signature = request.headers.get("x-edge-relay-signature") ?? "";
      if (!env.BILLING_SECRET) return new Response("BILLING_SECRET is not set", { status: 500 });
      const expected = `sha256=${await hmacHex(env.BILLING_SECRET, `${ts}.${body}`)}`;
      if (!sameHex(signature, expected)) return new Response("bad signature", { status: 401 });
      if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return new Response("stale", { status: 401 });
      const batch = JSON.parse(body) as { events?: unknown[] };
      const events = (batch.events ?? []).filter(isBillingEvent);
      return Response.json(await ledger(env).book(events));
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<ConsumerEnv>;
