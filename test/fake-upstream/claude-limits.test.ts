// The fake upstream's Claude subscription scenarios (dev/fake-upstream/claude-limits.ts): Anthropic's
// unified rate-limit headers on answers, 429s per limit, refusals that are not rate limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());

const H = "anthropic-ratelimit-unified-";
const now = () => Math.floor(Date.now() / 1000);

function ask(scenario: string, model: string, stream = false) {
  return fetch(`${upstream.url}/s/${scenario}/v1/messages`, {
    method: "POST",
    headers: { authorization: "Bearer sk-ant-oat01-fake", "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 10, stream, messages: [{ role: "user", content: "hi" }] }),
  });
}

describe("Claude subscription scenarios", () => {
  it("windows[-N]: a success (JSON or stream) carries the 5-hour, weekly and per-family windows", async () => {
    for (const stream of [false, true]) {
      const response = await ask("windows-85", "claude-sonnet-4-5", stream);
      expect(response.status).toBe(200);
      await response.text();
      expect(response.headers.get(`${H}5h-utilization`)).toBe("0.85");
      expect(response.headers.get(`${H}5h-status`)).toBe("allowed_warning");
      expect(Number(response.headers.get(`${H}5h-reset`)) - now()).toBeGreaterThan(3 * 3600 - 60);
      expect(response.headers.get(`${H}7d-utilization`)).toBe("0.61");
      expect(response.headers.get(`${H}7d_opus-utilization`)).toBe("0.15");
      expect(response.headers.get(`${H}7d_sonnet-utilization`)).toBe("0.33");
      expect(response.headers.get(`${H}representative-claim`)).toBe("five_hour");
    }
  });

  it("weekly-sonnet-429 refuses Sonnet until the Sonnet week resets and serves Opus", async () => {
    const sonnet = await ask("weekly-sonnet-429", "claude-sonnet-4-5");
    expect(sonnet.status).toBe(429);
    expect(await sonnet.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(sonnet.headers.get(`${H}representative-claim`)).toBe("seven_day_sonnet");
    expect(sonnet.headers.get(`${H}7d_sonnet-status`)).toBe("rejected");
    expect(sonnet.headers.get(`${H}reset`)).toBe(sonnet.headers.get(`${H}7d_sonnet-reset`));
    const opus = await ask("weekly-sonnet-429", "claude-opus-4-5");
    expect(opus.status).toBe(200);
    await opus.text();
    expect(opus.headers.get(`${H}7d_sonnet-status`)).toBe("rejected");
    expect(opus.headers.get(`${H}status`)).toBe("allowed");
  });

  it("five-hour-429 and weekly-429 refuse every model; 429-no-reset names no reset", async () => {
    const fiveHour = await ask("five-hour-429", "claude-haiku-4-5");
    expect(fiveHour.status).toBe(429);
    expect(fiveHour.headers.get(`${H}representative-claim`)).toBe("five_hour");
    const weekly = await ask("weekly-429", "claude-opus-4-5");
    expect(weekly.headers.get(`${H}representative-claim`)).toBe("seven_day");
    const bare = await ask("429-no-reset", "claude-opus-4-5");
    expect(bare.status).toBe(429);
    expect(bare.headers.get(`${H}reset`)).toBeNull();
    expect(bare.headers.get("retry-after")).toBeNull();
  });

  it("extra-usage and org-disabled answer Anthropic's refusals", async () => {
    const extra = await ask("extra-usage", "claude-sonnet-4-5");
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { error: { message: string } }).error.message).toMatch(
      /^Third-party apps now draw from your extra usage/,
    );
    const disabled = await ask("org-disabled", "claude-sonnet-4-5");
    expect(disabled.status).toBe(400);
    expect(await disabled.json()).toMatchObject({
      error: { type: "invalid_request_error", message: "This organization has been disabled." },
    });
    const banned = await ask("org-disabled-403", "claude-sonnet-4-5");
    expect(banned.status).toBe(403);
  });
});
