// Billing events through the running stack (wrangler dev): requests of every kind through the
// relay reach a local HTTP sink that drops every other delivery (half the first deliveries), each
// request's event exactly once at the sink, signed, after retries from the BillingOutbox.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import type { BillingEvent } from "../../worker/keyspace/records/billing.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";
import { settledUsage } from "./harness/usage.ts";

interface Sink {
  attempts: number;
  received: { headers: Record<string, string>; body: { events: BillingEvent[] } }[];
}

const SECRET = "e2e-billing-secret";
let stack: TestStack;
let upstream: FakeUpstream;
let token: string;
let keyId: string;
let secret: string;

const readSink = async () => (await (await fetch(`${upstream.url}/__webhook/billing`)).json()) as Sink;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  upstream = await startFakeUpstream();
  stack = await startTestStack();
  token = await adminToken(stack);
  await adminCall(stack, token, "POST", "/accounts/claude-console", {
    name: "c",
    apiKey: "sk-e2e",
    baseUrl: upstream.url,
  });
  const created = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
    name: "billed",
  });
  keyId = created.key.id;
  secret = created.secret;
  await adminCall(stack, token, "PUT", "/settings/billing", {
    enabled: true,
    url: `${upstream.url}/__webhook/billing/drop-half`,
    secret: SECRET,
    batchSize: 10,
  });
});

afterAll(async () => {
  await stack?.stop();
  await upstream?.close();
});

describe("billing events through the running stack", () => {
  it("arrive exactly once per request at a sink that drops half its first deliveries", async () => {
    const N = 60;
    const requestIds: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, worker) => {
        for (let i = worker; i < N; i += 6) {
          const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
            method: "POST",
            headers: { "x-api-key": secret, "content-type": "application/json" },
            body: JSON.stringify({
              model: "claude-sonnet-4-5",
              max_tokens: 16 + i,
              stream: i % 2 === 0,
              messages: [{ role: "user", content: `request ${i}` }],
            }),
          });
          await response.text();
          expect(response.status).toBe(200);
          requestIds.push(response.headers.get("x-request-id") ?? "");
        }
      }),
    );
    const usage = await settledUsage(stack, token, keyId, N, 40_000);
    const deadline = Date.now() + 60_000;
    let sink = await readSink();
    while (sink.received.flatMap((r) => r.body.events).length < N && Date.now() < deadline) {
      await sleep(250);
      sink = await readSink();
    }
    // A little longer: nothing more comes (no second delivery of an accepted batch).
    await sleep(3_000);
    sink = await readSink();
    const events = sink.received.flatMap((r) => r.body.events);
    expect(events.map((e) => e.requestId).sort()).toEqual([...requestIds].sort());
    // Half the first deliveries were dropped: the sink saw more attempts than it recorded.
    expect(sink.attempts).toBeGreaterThanOrEqual(2 * sink.received.length - 1);
    for (const request of sink.received) {
      const ts = request.headers["x-edge-relay-timestamp"] ?? "";
      const mac = createHmac("sha256", SECRET)
        .update(`${ts}.${JSON.stringify(request.body)}`)
        .digest("hex");
      expect(request.headers["x-edge-relay-signature"]).toBe(`sha256=${mac}`);
    }
    const picoSum = events.reduce((sum, e) => sum + e.costPicoUsd, 0);
    expect(picoSum).toBe(Math.round(usage.costMicroUsd * 1e6));
    expect(events.reduce((sum, e) => sum + e.tokens.output, 0)).toBe(usage.outputTokens);
  }, 180_000);
});
