// The Anthropic Messages surface, mounted at /api and /claude (Claude Code, the Anthropic SDK).
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { keyView } from "../admin/views.ts";
import { type Env, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { isWarmupRequest, mayBeWarmup, warmupAnswer } from "../providers/claude/warmup.ts";
import { mayUsePlatform, notPermittedMessage } from "../relay/permission.ts";
import { relay } from "../relay/pipeline.ts";
import { type KeyedEnv, relayKey, requirePermission } from "../relay/relay-key.ts";
import { upstreamQuery } from "../relay/upstream-query.ts";

const messagesRequest = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  messages: z.array(z.unknown(), { error: "messages is required" }),
  stream: z.boolean().optional(),
});

export const claudeRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

claudeRoutes.use("*", async (c, next) => {
  c.set("protocol", "anthropic");
  await next();
});

type MessagesRequest = z.infer<typeof messagesRequest>;
const toUpstream = (path: string) => (body: MessagesRequest, url: URL) => ({
  path,
  search: upstreamQuery(url, "anthropic"),
  model: body.model,
  stream: body.stream === true,
});

/** Warm-up requests are small (a "Warmup" turn, a title prompt): a larger body is not read twice. */
const WARMUP_MAX_BYTES = 1024 * 1024;

/** The body's text when it is at most `max` bytes, else undefined (the copy is dropped unread). */
async function smallBody(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > max || !request.body) return undefined;
  const reader = request.clone().body?.getReader();
  if (!reader) return undefined;
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * With CLAUDE_INTERCEPT_WARMUP on, Claude Code's warm-up and title requests (warmup.ts) are answered
 * here, for a key that may use Claude: not sent upstream, not counted, not billed.
 */
const interceptWarmup = createMiddleware<KeyedEnv>(async (c, next) => {
  if (!services(c.env).config.CLAUDE_INTERCEPT_WARMUP) return next();
  const text = await smallBody(c.req.raw, WARMUP_MAX_BYTES);
  if (text === undefined || !mayBeWarmup(text)) return next();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the relay's own parse answers it.
  }
  const parsed = messagesRequest.safeParse(body);
  if (!parsed.success || !isWarmupRequest(parsed.data)) return next();
  if (!mayUsePlatform(c.var.relayKey.limits, "claude")) {
    throw new RelayError("permission", notPermittedMessage("claude"));
  }
  return warmupAnswer(parsed.data.model, parsed.data.stream === true, { "x-request-id": c.get("requestId") });
});

for (const path of ["/v1/messages", "/claude/v1/messages"]) {
  claudeRoutes.post(path, relayKey, interceptWarmup, (c) =>
    relay(c, {
      provider: claudeProvider,
      schema: messagesRequest,
      target: toUpstream("/v1/messages"),
      meter: true,
    }),
  );
}

claudeRoutes.post("/v1/messages/count_tokens", relayKey, (c) =>
  relay(c, {
    provider: claudeProvider,
    schema: messagesRequest,
    target: toUpstream("/v1/messages/count_tokens"),
    meter: false,
  }),
);

claudeRoutes.get("/v1/models", relayKey, requirePermission("claude"), (c) => c.json(claudeModelList()));

for (const path of ["/v1/key-info", "/v1/me"]) {
  claudeRoutes.get(path, relayKey, requirePermission("claude"), (c) => c.json(keyView(c.var.relayKey)));
}
