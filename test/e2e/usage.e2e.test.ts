// Usage through the running stack: the request path makes no keyspace call for a warm key, and
// usage survives the keyspace going away for 60 s — counted exactly once when it returns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";
import { settledUsage, usageOf } from "./harness/usage.ts";

let stack: TestStack;
let upstream: FakeUpstream;
let token: string;
let keyId: string;
let secret: string;

/** The first few failed answers, so a failure says what went wrong. */
const failures: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(count: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": secret, "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 32,
          stream: next % 2 === 0,
          messages: [{ role: "user", content: `request ${next}` }],
        }),
      });
      const text = await response.text();
      statuses.push(response.status);
      if (response.status !== 200 && failures.length < 3) failures.push(`${response.status} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

function sent() {
  const usage = upstream.stats().usageSent;
  return {
    requests: usage.length,
    inputTokens: usage.reduce((s, u) => s + u.input_tokens, 0),
    outputTokens: usage.reduce((s, u) => s + u.output_tokens, 0),
  };
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // A short key cache, so the keyspace outage outlasts it: cached keys must keep working.
  stack = await startTestStack({ extraVars: { KEY_CACHE_SECONDS: "5" } });
  token = await adminToken(stack);
  await adminCall(stack, token, "POST", "/accounts/claude-console", {
    name: "c",
    apiKey: "sk-e2e",
    baseUrl: upstream.url,
  });
  const created = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
    name: "usage",
  });
  keyId = created.key.id;
  secret = created.secret;
});

afterAll(async () => {
  stack?.bridge.resume();
  await stack?.stop();
  await upstream?.close();
});

describe("usage write-behind through the running stack", () => {
  it("serves a warm key with the keyspace stopped: the request path makes no keyspace call", async () => {
    expect(await send(5, 1)).toEqual(Array(5).fill(200));
    stack.bridge.pause();
    try {
      const statuses = await send(100, 10);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      stack.bridge.resume();
    }
    const usage = await settledUsage(stack, token, keyId, 105, 40_000);
    expect(usage).toEqual(expect.objectContaining(sent()));
  });

  it("counts 1,010 requests exactly, though the keyspace was down for 60 s halfway", async () => {
    const before = sent();
    expect((await send(500, 20)).filter((s) => s !== 200)).toEqual([]);
    stack.bridge.pause();
    const pausedAt = Date.now();
    try {
      expect((await send(500, 20)).filter((s) => s !== 200)).toEqual([]);
      // Warm keys are still served at the end of the outage, well past the key cache's 5 s.
      await sleep(Math.max(0, 55_000 - (Date.now() - pausedAt)));
      expect(await send(10, 5), failures.join("\n")).toEqual(Array(10).fill(200));
      await sleep(Math.max(0, 60_000 - (Date.now() - pausedAt)));
    } finally {
      stack.bridge.resume();
    }
    const expected = sent();
    expect(expected.requests - before.requests).toBe(1010);
    const usage = await settledUsage(stack, token, keyId, expected.requests, 40_000);
    expect(usage).toEqual(expect.objectContaining(expected));
    // Still exact a while later: no batch was applied twice.
    await sleep(2_000);
    expect(await usageOf(stack, token, keyId)).toEqual(usage);
  });
});
