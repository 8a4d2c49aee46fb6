// Claude Code's warm-up and title requests answered by the relay itself (CLAUDE_INTERCEPT_WARMUP,
// providers/claude/warmup.ts, routes/claude.ts): in Anthropic's JSON and SSE shapes (read with the
// Anthropic SDK), for a key that may use Claude, never sent upstream, never counted.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../worker/env.ts";
import worker from "../../worker/index.ts";
import { claudeCodeRequests } from "./fixtures/claude-code-requests.ts";
import {
  BASE,
  createConsoleAccount,
  createKey,
  fakeStats,
  freshKeyspace,
  keyUsageAfter,
  testEnv,
  upstreamUrl,
} from "./helpers.ts";

const warmEnv = { ...testEnv, CLAUDE_INTERCEPT_WARMUP: "true" } as Env;

/** Work a request left running (its end: lease release, usage settle), awaited after each test. */
const pending: Promise<void>[] = [];

/** The Worker with warm-up interception on (the test bindings leave it off, its default). */
async function warmFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(input, init), warmEnv, ctx);
  pending.push(waitOnExecutionContext(ctx));
  return response;
}

const WARMUP = {
  model: "claude-haiku-4-5",
  max_tokens: 512,
  messages: [{ role: "user", content: [{ type: "text", text: "Warmup" }] }],
};

const post = (secret: string, body: unknown, send = warmFetch) =>
  send(`${BASE}/api/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });

const upstreamRequests = async () => (await fakeStats()).usageSent.length;

let token: string;
let secret: string;
let keyId: string;

afterEach(async () => {
  await Promise.all(pending.splice(0));
});

beforeEach(async () => {
  token = await freshKeyspace();
  await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
  await createConsoleAccount(token, "ok");
  ({ secret, id: keyId } = await createKey(token));
});

describe("warm-up interception", () => {
  it("answers a warm-up in Anthropic's JSON shape, without asking the upstream", async () => {
    const response = await post(secret, WARMUP);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5",
      content: [{ type: "text", text: "New Conversation" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 2 },
    });
    expect(String(body.id)).toMatch(/^msg_warmup_[0-9a-f]{20}$/);
    expect(await upstreamRequests()).toBe(0);
  });

  it("streams a Messages event stream the Anthropic SDK reads to its end", async () => {
    const client = new Anthropic({ apiKey: secret, baseURL: `${BASE}/api`, fetch: warmFetch, maxRetries: 0 });
    const stream = client.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 512,
      messages: [
        {
          role: "user",
          content: "Please write a 5-10 word title for the following conversation:\n\nUser: fix the build",
        },
      ],
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const message = await stream.finalMessage();
    expect(events).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(message.content).toMatchObject([{ type: "text", text: "New Conversation" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.model).toBe("claude-sonnet-4-5");
    expect(await upstreamRequests()).toBe(0);
  });

  it("answers the topic-title request (its system prompt), and keeps the event lines Claude Code needs", async () => {
    const response = await post(secret, {
      model: "claude-haiku-4-5",
      max_tokens: 512,
      stream: true,
      system: [
        {
          type: "text",
          text: "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic.",
        },
      ],
      messages: [{ role: "user", content: "let's talk about the deploy" }],
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text.startsWith("event: message_start\ndata: ")).toBe(true);
    expect(text.trimEnd().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(true);
    expect(await upstreamRequests()).toBe(0);
  });

  it("relays everything else: a real Claude Code turn goes upstream", async () => {
    const turn = claudeCodeRequests[0];
    if (!turn) throw new Error("no captured request");
    const response = await post(secret, turn.body);
    expect(response.status).toBe(200);
    await response.text();
    expect(await upstreamRequests()).toBe(1);
  });

  it("counts and bills nothing for an intercepted request", async () => {
    await (await post(secret, WARMUP)).text();
    await (await post(secret, { ...WARMUP, messages: [{ role: "user", content: "Hello" }] })).text();
    const usage = await keyUsageAfter(token, keyId, 1);
    expect(usage.requests).toBe(1);
    expect(await upstreamRequests()).toBe(1);
  });

  it("still needs a key that may use Claude", async () => {
    const geminiOnly = await createKey(token, { limits: { permissions: ["gemini"] } });
    const refused = await post(geminiOnly.secret, WARMUP);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "permission_error" } });
    const unknown = await post("cr_not-a-key", WARMUP);
    expect(unknown.status).toBe(401);
    expect(await upstreamRequests()).toBe(0);
  });

  it("is off by default: the warm-up goes upstream", async () => {
    const response = await post(secret, WARMUP, (input, init) => SELF.fetch(input, init));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { content: { text: string }[] }).content[0]?.text).toBe(
      "Hello from fake upstream",
    );
    expect(await upstreamRequests()).toBe(1);
  });
});
