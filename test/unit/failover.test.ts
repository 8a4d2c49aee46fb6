// Failover before the first byte: a request reaches a healthy account while one is left (bounded
// by time and by distinct accounts), and the answer after every account failed is a 429 or 503 in
// the client's shape with retry-after, never an upstream's raw 5xx. Under a burst, a failing
// account is parked as soon as its failures reach the pool, which is before the same request's
// failover pick: the outcome travels with the next acquire.
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import {
  BASE,
  createAccount,
  createKey,
  freshKeyspace,
  listAccounts,
  messages,
  upstreamUrl,
} from "./helpers.ts";

let token: string;

beforeEach(async () => {
  token = await freshKeyspace();
});

/** A Console account on the fake's `<scenario>`; its API key tells its calls apart at the fake. */
async function account(scenario: string, priority: number) {
  const apiKey = `sk-ant-fo-${scenario}-${crypto.randomUUID()}`;
  const created = await createAccount(token, "claude-console", {
    name: `fo-${scenario}`,
    apiKey,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    priority,
  });
  return { id: created.id, apiKey };
}

async function callsTo(...accounts: { apiKey: string }[]): Promise<number[]> {
  const stats = (await (await fetch(`${upstreamUrl}/__stats`)).json()) as {
    byCredential: Record<string, { requests: number }>;
  };
  return accounts.map((a) => stats.byCredential[a.apiKey]?.requests ?? 0);
}

function expectAnthropicError(body: unknown, type: string) {
  expect(body).toMatchObject({ type: "error", error: { type, message: expect.any(String) } });
}

describe("failover before the first byte", () => {
  it("reaches a healthy account behind three failing ones of better priority", async () => {
    const failing = [await account("429", 1), await account("529", 2), await account("500", 3)];
    const healthy = [await account("ok", 4), await account("ok", 5)];
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(await callsTo(...failing, ...healthy)).toEqual([1, 1, 1, 1, 0]);
  });

  it("answers 503 with retry-after in the client's shape when every account failed, not the last 500", async () => {
    const failing = [await account("429", 1), await account("529", 2), await account("500", 3)];
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as { error: { message: string } };
    expectAnthropicError(body, "api_error");
    // The relay's own answer (naming what the accounts said), not the last upstream's body.
    expect(body.error.message).toMatch(/^No claude account could serve the request/);
    expect(await callsTo(...failing)).toEqual([1, 1, 1]);

    // The same in OpenAI's shape, on the chat completions route.
    const chat = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(chat.status).toBe(503);
    expect(Number(chat.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await chat.json()).toMatchObject({ error: { message: expect.any(String) } });
  });

  it("answers 429 with retry-after when every account answered 429", async () => {
    const limited = [await account("429", 1), await account("429", 2)];
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(429);
    // Both accounts are parked until the reset they announced (a minute away).
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(30);
    expect(retryAfter).toBeLessThanOrEqual(61);
    expectAnthropicError(await response.json(), "rate_limit_error");
    expect(await callsTo(...limited)).toEqual([1, 1]);
  });

  it("tries at most 8 distinct accounts for one request", async () => {
    const failing: { apiKey: string }[] = [];
    for (let priority = 1; priority <= 9; priority++) failing.push(await account("500", priority));
    const healthy = await account("ok", 10);
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(503);
    // Accounts it did not try may serve a new request at once.
    expect(response.headers.get("retry-after")).toBe("1");
    await response.text();
    expect(await callsTo(...failing, healthy)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it("passes an upstream's 400 through as it is and tries no further account", async () => {
    const broken = await account("500", 1);
    const refusing = await account("400", 2);
    const healthy = await account("ok", 3);
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(400);
    expectAnthropicError(await response.json(), "invalid_request_error");
    expect(await callsTo(broken, refusing, healthy)).toEqual([1, 1, 0]);
  });
});

describe("a failing account under a burst", () => {
  it("is parked during the burst, every request is served, and the next burst never calls it", async () => {
    const failing = await account("500", 1);
    const healthy = [await account("ok", 2), await account("ok", 2)];
    const key = await createKey(token);
    const burst = () =>
      Promise.all(
        Array.from({ length: 100 }, async () => {
          const response = await messages(key.secret, {});
          await response.text();
          return response.status;
        }),
      );
    expect((await burst()).filter((s) => s !== 200)).toEqual([]);
    const [first = 0, ...toHealthy] = await callsTo(failing, ...healthy);
    expect(toHealthy.reduce((a, b) => a + b, 0)).toBe(100);
    // Its state is known to the pool by the time the last answer is out (no release racing it).
    const state = (await listAccounts(token)).find((a) => a.id === failing.id)?.health;
    expect(state?.status).toBe("error");
    expect((await burst()).filter((s) => s !== 200)).toEqual([]);
    expect((await callsTo(failing))[0]).toBe(first);
  }, 30_000);

  it("does not send a request to an account parked after it was picked for it", async () => {
    // The second request picks the overloaded account at the same moment as the first, then waits
    // for the key's only slot while the first one's 529 parks it: it must go elsewhere.
    const overloaded = await account("529", 1);
    const healthy = await account("hold-300", 2);
    const key = await createKey(token, { limits: { concurrencyLimit: 1 } });
    const statuses = await Promise.all(
      [0, 1].map(async () => {
        const response = await messages(key.secret, {});
        await response.text();
        return response.status;
      }),
    );
    expect(statuses).toEqual([200, 200]);
    expect(await callsTo(overloaded, healthy)).toEqual([1, 2]);
  });
});
