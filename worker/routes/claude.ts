// The Anthropic Messages surface, mounted at /api and /claude (Claude Code, the Anthropic SDK).
import { type Context, Hono } from "hono";
import { z } from "zod";
import { keyView } from "../admin/views.ts";
import { type Env, services } from "../env.ts";
import { readJsonBody } from "../http/body.ts";
import type { RelayVariables } from "../http/context.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { authenticate, extractRelayKey, requirePermission } from "../relay/auth.ts";
import { forward, type RelayContext } from "../relay/forward.ts";

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

type RouteContext = Context<{ Bindings: Env; Variables: RelayVariables }>;

async function authorised(c: RouteContext) {
  const s = services(c.env);
  const key = await authenticate(s, extractRelayKey(c.req.raw, new URL(c.req.url)));
  requirePermission(key, "claude");
  return { s, key };
}

/** Authenticates, reads the body and forwards it to `path` upstream. */
async function relay(c: RouteContext, path: string, schema: typeof messagesRequest, meter: boolean) {
  const startedAt = Date.now();
  const { s, key } = await authorised(c);
  const body = await readJsonBody(c.req.raw, s.config.MAX_BODY_BYTES, schema);
  const context: RelayContext = {
    services: s,
    provider: claudeProvider,
    key,
    requestId: c.get("requestId"),
    startedAt,
    meter,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  };
  return forward(context, {
    request: c.req.raw,
    path,
    search: new URL(c.req.url).search,
    body: body.text,
    model: body.value.model,
    stream: body.value.stream === true,
  });
}

for (const path of ["/v1/messages", "/claude/v1/messages"]) {
  claudeRoutes.post(path, (c) => relay(c, "/v1/messages", messagesRequest, true));
}

// count_tokens carries no billable usage: relayed, not metered.
claudeRoutes.post("/v1/messages/count_tokens", (c) =>
  relay(c, "/v1/messages/count_tokens", messagesRequest, false),
);

claudeRoutes.get("/v1/models", async (c) => {
  await authorised(c);
  return c.json(claudeModelList());
});

for (const path of ["/v1/key-info", "/v1/me"]) {
  claudeRoutes.get(path, async (c) => {
    const { key } = await authorised(c);
    return c.json(keyView(key));
  });
}
