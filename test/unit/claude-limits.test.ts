// What an Anthropic answer says about the Claude account that gave it (providers/claude/errors.ts,
// ratelimit.ts), read off the real header sets and refusal bodies the fake upstream sends
// (dev/fake-upstream/claude-limits.ts): usage windows, 429s by model family, refusals that are not
// rate limits.
import { describe, expect, it } from "vitest";
import { claudeOutcome } from "../../worker/providers/claude/errors.ts";
import { modelFamily } from "../../worker/providers/claude/ratelimit.ts";
import type { AccountOutcome } from "../../worker/providers/provider.ts";
import { accountRecord, upstreamUrl } from "./helpers.ts";

const oauth = accountRecord("oauth-1", { type: "claude-oauth" });
const console_ = accountRecord("console-1", { type: "claude-console" });
const bedrock = accountRecord("bedrock-1", { type: "bedrock", platform: "claude" });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The fake upstream's answer to a Messages request under `scenario`, its body read. */
async function answer(scenario: string, model: string) {
  const response = await fetch(`${upstreamUrl}/s/${scenario}/v1/messages`, {
    method: "POST",
    headers: { authorization: "Bearer sk-ant-oat01-test", "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
  });
  const text = await response.text();
  return { response, text };
}

async function outcomeOf(scenario: string, model: string, account = oauth): Promise<AccountOutcome> {
  const { response, text } = await answer(scenario, model);
  return claudeOutcome(response, model, account, response.ok ? undefined : text);
}

function parkedUntil(outcome: AccountOutcome): number {
  if (outcome.kind !== "rate-limited") throw new Error(`not rate-limited: ${JSON.stringify(outcome)}`);
  return outcome.until - Date.now();
}

describe("usage windows on a subscription account's answers", () => {
  it("reads the 5-hour, weekly, weekly Opus and weekly Sonnet windows off a success", async () => {
    const outcome = await outcomeOf("windows-85", "claude-sonnet-4-5");
    expect(outcome.kind).toBe("ok");
    const windows = outcome.windows;
    expect(windows?.fiveHour).toMatchObject({ utilization: 0.85, status: "allowed_warning" });
    expect(windows?.sevenDay).toMatchObject({ utilization: 0.61, status: "allowed" });
    expect(windows?.sevenDayOpus).toMatchObject({ utilization: 0.15, status: "allowed" });
    expect(windows?.sevenDaySonnet).toMatchObject({ utilization: 0.33, status: "allowed" });
    // Resets come as epoch seconds and are kept in ms.
    expect((windows?.fiveHour?.resetAt ?? 0) - Date.now()).toBeGreaterThan(3 * HOUR - 60_000);
    expect((windows?.fiveHour?.resetAt ?? 0) - Date.now()).toBeLessThan(3 * HOUR + 60_000);
    expect(Math.abs((windows?.at ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it("carries the windows on a refusal too, and none when the answer states none", async () => {
    const refused = await outcomeOf("five-hour-429", "claude-opus-4-5");
    expect(refused.windows?.fiveHour).toMatchObject({ utilization: 1, status: "rejected" });
    const plain = await outcomeOf("ok", "claude-sonnet-4-5");
    expect(plain).toEqual({ kind: "ok" });
  });

  it("never reads windows for a Console or Bedrock account", async () => {
    expect(await outcomeOf("windows", "claude-sonnet-4-5", console_)).toEqual({ kind: "ok" });
    expect(await outcomeOf("windows", "claude-sonnet-4-5", bedrock)).toEqual({ kind: "ok" });
  });
});

describe("a subscription account's 429", () => {
  it("a weekly Sonnet limit parks only the Sonnet family, until that window's reset", async () => {
    const outcome = await outcomeOf("weekly-sonnet-429", "claude-sonnet-4-5");
    expect(outcome).toMatchObject({ kind: "rate-limited", family: "sonnet" });
    expect(parkedUntil(outcome)).toBeGreaterThan(3 * DAY - 60_000);
    expect(parkedUntil(outcome)).toBeLessThan(3 * DAY + 60_000);
    expect(outcome.windows?.sevenDaySonnet?.status).toBe("rejected");
    // The same account serves Opus meanwhile.
    const opus = await outcomeOf("weekly-sonnet-429", "claude-opus-4-5");
    expect(opus.kind).toBe("ok");
    expect(opus.windows?.sevenDaySonnet?.status).toBe("rejected");
  });

  it("a weekly Opus limit parks only the Opus family", async () => {
    const outcome = await outcomeOf("weekly-opus-429", "claude-opus-4-5");
    expect(outcome).toMatchObject({ kind: "rate-limited", family: "opus" });
    expect(parkedUntil(outcome)).toBeGreaterThan(5 * DAY - 60_000);
  });

  it("a 5-hour or overall weekly limit parks the whole account until its reset", async () => {
    const fiveHour = await outcomeOf("five-hour-429", "claude-sonnet-4-5");
    expect(fiveHour.kind).toBe("rate-limited");
    expect(fiveHour).not.toHaveProperty("family");
    expect(parkedUntil(fiveHour)).toBeGreaterThan(3 * HOUR - 60_000);
    expect(parkedUntil(fiveHour)).toBeLessThan(3 * HOUR + 60_000);
    const weekly = await outcomeOf("weekly-429", "claude-opus-4-5");
    expect(weekly).not.toHaveProperty("family");
    expect(parkedUntil(weekly)).toBeGreaterThan(4 * DAY - 60_000);
  });

  it("without a representative claim, the rejected window decides", () => {
    const reset = Math.floor(Date.now() / 1000) + 7200;
    const headers = {
      "anthropic-ratelimit-unified-status": "rejected",
      "anthropic-ratelimit-unified-7d_sonnet-status": "rejected",
      "anthropic-ratelimit-unified-7d_sonnet-utilization": "1.0",
      "anthropic-ratelimit-unified-7d_sonnet-reset": String(reset),
    };
    const sonnet = claudeOutcome(new Response("{}", { status: 429, headers }), "claude-sonnet-4-5", oauth);
    expect(sonnet).toMatchObject({ kind: "rate-limited", family: "sonnet", until: reset * 1000 });
    const fiveHour = { ...headers, "anthropic-ratelimit-unified-5h-status": "rejected" };
    const wide = claudeOutcome(
      new Response("{}", { status: 429, headers: fiveHour }),
      "claude-sonnet-4-5",
      oauth,
    );
    expect(wide.kind).toBe("rate-limited");
    expect(wide).not.toHaveProperty("family");
  });

  it("the windows' statuses come before the claim: a rejected Sonnet week under a weekly claim parks Sonnet only", () => {
    const reset = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const headers = {
      "anthropic-ratelimit-unified-representative-claim": "seven_day",
      "anthropic-ratelimit-unified-7d-status": "allowed",
      "anthropic-ratelimit-unified-7d-reset": String(reset + 86_400),
      "anthropic-ratelimit-unified-7d_sonnet-status": "rejected",
      "anthropic-ratelimit-unified-7d_sonnet-reset": String(reset),
    };
    const outcome = claudeOutcome(new Response("{}", { status: 429, headers }), "claude-sonnet-4-5", oauth);
    expect(outcome).toMatchObject({ kind: "rate-limited", family: "sonnet", until: reset * 1000 });
  });

  it("a 429 that names no reset parks for minutes, never days", async () => {
    const outcome = await outcomeOf("429-no-reset", "claude-sonnet-4-5");
    expect(outcome).not.toHaveProperty("family");
    expect(parkedUntil(outcome)).toBeGreaterThan(290_000);
    expect(parkedUntil(outcome)).toBeLessThan(310_000);
    // A retry-after of days is capped at 30 minutes, for subscription and Console accounts alike.
    for (const account of [oauth, console_]) {
      const days = new Response("{}", { status: 429, headers: { "retry-after": "604800" } });
      const capped = claudeOutcome(days, "claude-sonnet-4-5", account);
      expect(parkedUntil(capped)).toBeLessThanOrEqual(1_800_000);
      expect(parkedUntil(capped)).toBeGreaterThan(1_790_000);
    }
  });

  it("Console and Bedrock accounts park as a whole, until the reset named (Bedrock as before)", async () => {
    const console429 = await outcomeOf("weekly-sonnet-429", "claude-sonnet-4-5", console_);
    expect(console429).not.toHaveProperty("family");
    expect(parkedUntil(console429)).toBeGreaterThan(3 * DAY - 60_000);
    const days = new Response("{}", { status: 429, headers: { "retry-after": "7200" } });
    expect(parkedUntil(claudeOutcome(days, "claude-sonnet-4-5", bedrock))).toBeGreaterThan(7_190_000);
  });
});

describe("refusals that are not rate limits", () => {
  it("the extra-usage refusal of a client that is not Claude Code is refused-client, not a park", async () => {
    const outcome = await outcomeOf("extra-usage", "claude-sonnet-4-5");
    expect(outcome).toEqual({
      kind: "refused-client",
      reason:
        "Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage and keep going.",
    });
    const as429 = await outcomeOf("extra-usage-429", "claude-opus-4-5");
    expect(as429.kind).toBe("refused-client");
  });

  it("a disabled organisation blocks the account (400 and 403 shapes, OAuth and Console)", async () => {
    expect(await outcomeOf("org-disabled", "claude-sonnet-4-5")).toEqual({
      kind: "blocked",
      reason: "This organization has been disabled.",
    });
    expect(await outcomeOf("org-disabled-403", "claude-sonnet-4-5")).toMatchObject({ kind: "blocked" });
    expect(await outcomeOf("org-disabled", "claude-sonnet-4-5", console_)).toMatchObject({ kind: "blocked" });
  });

  it("without the error body, the status alone decides, as before", async () => {
    const { response } = await answer("org-disabled-403", "claude-sonnet-4-5");
    expect(claudeOutcome(response, "claude-sonnet-4-5", oauth)).toEqual({ kind: "unauthorized" });
    const plain400 = new Response(JSON.stringify({ error: { message: "max_tokens: too large" } }), {
      status: 400,
    });
    expect(claudeOutcome(plain400, "m", oauth, await plain400.clone().text())).toEqual({
      kind: "client-error",
    });
  });
});

describe("modelFamily", () => {
  it("names the families the original keeps limits for", () => {
    expect(modelFamily("claude-opus-4-5")).toBe("opus");
    expect(modelFamily("claude-sonnet-4-5-20250929")).toBe("sonnet");
    expect(modelFamily("claude-3-5-haiku-20241022")).toBe("haiku");
    expect(modelFamily("us.anthropic.claude-opus-4-1-20250805-v1:0")).toBe("opus");
    expect(modelFamily("claude-fable-5-1")).toBe("fable");
    expect(modelFamily("gpt-4o")).toBeUndefined();
  });
});
