// KeyGate limits through the running stack: exact under a burst, and no lease left behind,
// even when clients walk away mid-stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";

let stack: TestStack;
let upstream: FakeUpstream;
let token: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function newKey(limits: Record<string, unknown>) {
  return adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
    name: "limits",
    limits,
  });
}

async function slowAccount(scenario: string) {
  const apiKey = `sk-limits-${crypto.randomUUID()}`;
  await adminCall(stack, token, "POST", "/accounts/claude-console", {
    name: scenario,
    apiKey,
    baseUrl: `${upstream.url}/s/${scenario}`,
  });
  return apiKey;
}

function call(secret: string, signal?: AbortSignal) {
  return fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    signal,
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
}

async function liveLeases(keyId: string): Promise<number> {
  return (await adminCall<{ activeLeases: number }>(stack, token, "GET", `/keys/${keyId}/live`)).activeLeases;
}

async function untilNoLeases(keyId: string): Promise<number> {
  const deadline = Date.now() + 15_000;
  let leases = await liveLeases(keyId);
  while (leases > 0 && Date.now() < deadline) {
    await sleep(200);
    leases = await liveLeases(keyId);
  }
  return leases;
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  stack = await startTestStack();
  token = await adminToken(stack);
});

afterAll(async () => {
  await stack?.stop();
  await upstream?.close();
});

describe("KeyGate through the running stack", () => {
  it("holds 200 parallel requests to 5 at a time, serves or refuses each, and leaves 0 leases", async () => {
    await slowAccount("hold-300");
    const key = await newKey({ concurrencyLimit: 5 });
    upstream.reset();
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await call(key.secret);
        await response.text();
        return response.status;
      }),
    );
    expect(results.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(results.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    // Only this key is sending: the upstream never saw more than 5 of its requests at once.
    expect(upstream.stats().requests).toBeGreaterThanOrEqual(5);
    expect(upstream.stats().maxInFlight).toBeLessThanOrEqual(5);
    expect(await untilNoLeases(key.key.id)).toBe(0);
  });

  it("frees the slots of clients that abort mid-stream", async () => {
    await slowAccount("hold-500");
    const key = await newKey({ concurrencyLimit: 5 });
    upstream.reset();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const controller = new AbortController();
        try {
          const response = await call(key.secret, controller.signal);
          if (i % 2 === 0 && response.status === 200) {
            // Read the first event, then walk away.
            const reader = response.body?.getReader();
            await reader?.read();
            controller.abort();
            return "aborted";
          }
          await response.text();
          return response.status;
        } catch {
          return "aborted";
        }
      }),
    );
    expect(results.filter((r) => r !== 200 && r !== 429 && r !== "aborted")).toEqual([]);
    // Only this key is sending: the upstream never saw more than 5 of its requests at once.
    expect(upstream.stats().requests).toBeGreaterThanOrEqual(5);
    expect(upstream.stats().maxInFlight).toBeLessThanOrEqual(5);
    expect(await untilNoLeases(key.key.id)).toBe(0);
  });

  it("lets exactly 10 of 50 parallel requests through a 10-request window", async () => {
    await slowAccount("ok");
    const key = await newKey({ rateLimitWindowMinutes: 1, rateLimitRequests: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await call(key.secret);
        await response.text();
        return response.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
  });
});
