// KeyGate limits through the running stack: exact under a burst, and no lease left behind,
// even when clients walk away mid-stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";
import { usageOf } from "./harness/usage.ts";

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

  it("500 streams cut off at random points: every one settled once, usage of what was delivered, 0 leases", async () => {
    await slowAccount("hold-40");
    // Leases are taken (a limit is set) but never refused: a request a client has left may hold
    // its lease until the relay sees the disconnect, which is right (the upstream is still busy).
    const key = await newKey({ concurrencyLimit: 1000 });
    upstream.reset();
    // A fixed seed: a failure replays the same cut points.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const plans = Array.from({ length: 500 }, () => ({
      // 0: cut before or while the headers arrive; 1..3: after that many reads; 4: read to the end.
      reads: Math.floor(random() * 5),
      delayMs: Math.floor(random() * 30),
    }));
    const seen = { input: 0, output: 0 };
    const outcomes: string[] = [];
    let answered = 0;
    let next = 0;
    const client = async () => {
      while (next < plans.length) {
        const plan = plans[next++] as { reads: number; delayMs: number };
        const controller = new AbortController();
        try {
          if (plan.reads === 0) setTimeout(() => controller.abort(), plan.delayMs);
          const response = await call(key.secret, controller.signal);
          answered += 1;
          if (response.status !== 200) {
            outcomes.push(`status ${response.status}`);
            await response.body?.cancel();
            continue;
          }
          const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
          const decoder = new TextDecoder();
          let text = "";
          for (let read = 0; plan.reads === 4 || read < plan.reads; read++) {
            const chunk = await reader.read();
            if (chunk.done) break;
            text += decoder.decode(chunk.value, { stream: true });
          }
          controller.abort();
          // What this client was shown of the usage: the relay must have recorded at least that.
          seen.input += Number(/"input_tokens":(\d+)/.exec(text)?.[1] ?? 0);
          const outputs = [...text.matchAll(/"output_tokens":(\d+)/g)].map((m) => Number(m[1]));
          seen.output += outputs.at(-1) ?? 0;
          outcomes.push(plan.reads === 4 ? "complete" : "cut");
        } catch {
          outcomes.push("cut");
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, client));
    expect(outcomes.filter((o) => o !== "complete" && o !== "cut")).toEqual([]);
    expect(outcomes.filter((o) => o === "complete").length).toBeGreaterThan(50);
    expect(await untilNoLeases(key.key.id)).toBe(0);

    const sent = upstream.stats().usageSent;
    const sentInput = sent.reduce((sum, u) => sum + u.input_tokens, 0);
    const sentOutput = sent.reduce((sum, u) => sum + u.output_tokens, 0);
    const deadline = Date.now() + 20_000;
    let total = { requests: 0, inputTokens: 0, outputTokens: 0 };
    while (Date.now() < deadline) {
      total = await usageOf(stack, token, key.key.id);
      if (total.requests >= answered && total.requests >= upstream.stats().requests) break;
      await sleep(250);
    }
    // Each request the relay admitted is settled once, whenever its client walked away: every one
    // that was answered or reached the upstream (a cut before the relay saw it is not a request).
    expect(total.requests).toBeGreaterThanOrEqual(Math.max(answered, upstream.stats().requests));
    expect(total.requests).toBeLessThanOrEqual(500);
    // Never less than the clients were shown, never more than the upstream sent.
    expect(total.inputTokens).toBeGreaterThanOrEqual(seen.input);
    expect(total.inputTokens).toBeLessThanOrEqual(sentInput);
    expect(total.outputTokens).toBeGreaterThanOrEqual(seen.output);
    expect(total.outputTokens).toBeLessThanOrEqual(sentOutput);
    // Nothing counted twice: a while later the totals have not moved.
    await sleep(1_500);
    expect(await usageOf(stack, token, key.key.id)).toEqual(total);
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
