// A keyspace outage that outlasts a restart: the isolate that cached a key is recycled and the
// account pool's object is evicted while the keyspace is down. Warm keys are still served, from
// the key's copy in the Cache API (worker/relay/key-fallback.ts) and the pool's own stored copy
// of its accounts; a key never seen before is refused cleanly.
import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { forgetIsolateKeys } from "../../worker/relay/auth.ts";
import { createConsoleAccount, createKey, freshKeyspace, messages, testEnv, waitFor } from "./helpers.ts";
import { testSecrets } from "./test-env.ts";

/** The Upstash bridge's test control (dev/upstash-bridge.ts). */
async function keyspace(state: "pause" | "resume"): Promise<void> {
  const response = await fetch(`${testEnv.UPSTASH_REDIS_REST_URL}/__${state}`, {
    method: "POST",
    headers: { authorization: `Bearer ${testSecrets.UPSTASH_REDIS_REST_TOKEN}` },
  });
  expect(response.status).toBe(200);
}

const claudePool = () => testEnv.ACCOUNT_POOL.get(testEnv.ACCOUNT_POOL.idFromName("claude"));

afterEach(async () => {
  await keyspace("resume");
});

describe("a keyspace outage across an isolate restart and a pool eviction", () => {
  it("serves a key used before from its cached copy and the pool's stored accounts", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const warm = await createKey(token, {});
    const cold = await createKey(token, {});
    // First use: the key's copy and the pool's accounts copy are written after the response.
    const first = await messages(warm.secret, {});
    expect(first.status).toBe(200);
    await first.text();
    await new Promise((resolve) => setTimeout(resolve, 200));

    await keyspace("pause");
    forgetIsolateKeys();
    await evictDurableObject(claudePool());

    const served = await messages(warm.secret, {});
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("Hello from fake upstream");

    // Never seen by this isolate and never copied: refused as unavailable, in Anthropic's shape.
    const refused = await messages(cold.secret, {});
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      type: "error",
      error: { message: expect.stringMatching(/cannot check API keys/) },
    });
    expect(refused.headers.get("retry-after")).toBe("5");

    // The keyspace back: the cold key works too.
    await keyspace("resume");
    const back = await waitFor(
      async () => {
        const response = await messages(cold.secret, {});
        await response.text();
        return response.status;
      },
      (status) => status === 200,
    );
    expect(back).toBe(200);
  });

  it("forgets a deleted key's copy: a deleted key is refused in an outage too", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const key = await createKey(token, {});
    const first = await messages(key.secret, {});
    await first.text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { SELF } = await import("cloudflare:test");
    const removed = await SELF.fetch(`http://relay.test/admin/keys/${key.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(removed.status).toBe(200);
    await keyspace("pause");
    forgetIsolateKeys();
    const refused = await messages(key.secret, {});
    expect(refused.status).toBe(503);
    await refused.text();
  });
});
