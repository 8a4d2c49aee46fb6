// Billing events through a bound Cloudflare Queue (miniflare's), consumed by the example consumer
// (examples/billing-consumer/), which books each request id once: N real requests through the
// relay are N booked ids, none twice, their costs the key's recorded cost to the pico-dollar.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { expect, it } from "vitest";
import type { LedgerTotals } from "../../examples/billing-consumer/worker.ts";
import { services } from "../../worker/env.ts";
import {
  createConsoleAccount,
  createKey,
  freshKeyspace,
  messages,
  testEnv,
  waitFor,
} from "../unit/helpers.ts";

const consumer = (env as unknown as { BILLING_CONSUMER: Fetcher }).BILLING_CONSUMER;
const totals = async () => (await (await consumer.fetch("http://consumer/totals")).json()) as LedgerTotals;

it("N requests through the relay: N request ids booked once by the consumer, through the Queue", async () => {
  const token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
  const { id: keyId, secret } = await createKey(token);
  const status = await (await testEnv.BILLING_OUTBOX.getByName("billing").status()).pending;
  expect(status).toBe(0);

  const N = 30;
  const responses = await Promise.all(Array.from({ length: N }, () => messages(secret, { max_tokens: 20 })));
  const requestIds: string[] = [];
  for (const response of responses) {
    expect(response.status).toBe(200);
    await response.text();
    requestIds.push(response.headers.get("x-request-id") ?? "");
  }
  const before = await totals();
  const booked = await waitFor(totals, (t) => requestIds.every((id) => t.requestIds.includes(id)), 20_000);
  expect(requestIds.every((id) => booked.requestIds.includes(id))).toBe(true);
  expect(booked.booked - before.booked).toBe(N);
  // A flush of the same gate again (nothing new) sends nothing more.
  await runDurableObjectAlarm(testEnv.KEY_GATE.getByName(keyId));
  const total = await services(testEnv).keyspace.getUsage("key", keyId, { kind: "total" });
  expect(booked.costPicoUsd - before.costPicoUsd).toBe(Math.round(total.costMicroUsd * 1e6));
  // The HTTP sink was not used: a bound Queue takes every event.
  expect((await testEnv.BILLING_OUTBOX.getByName("billing").status()).pending).toBe(0);
}, 60_000);
