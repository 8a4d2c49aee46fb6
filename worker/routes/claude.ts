// The Anthropic Messages surface, mounted at /api and /claude (Claude Code, the Anthropic SDK).
import { Hono } from "hono";
import { z } from "zod";
import { type Env, services } from "../env.ts";
import { readJsonBody } from "../http/body.ts";
import type { RelayVariables } from "../http/context.ts";
import { keyView } from "../admin/views.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { authenticate, extractRelayKey, requirePermission } from "../relay/auth.ts";
import { forward } from "../relay/forward.ts";

const messagesRequest = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  messages: z.array(z.unknown(), { error: "messages is required" }),
  stream: z.boolean().optional(),
});

const countTokensRequest = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  messages: z.array(z.unknown(), { error: "messages is required" }),
});

export const claudeRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

claudeRoutes.use("*", async (c, next) => {
  c.set("protocol", "anthropic");
  await next();
});

async function authorised(c: { req: { raw: Request; url: string }; env: Env }) {
  const s = services(c.env);
  const key = await authenticate(s, extractRelayKey(c.req.raw, new URL(c.req.url)));
  requirePermission(key, "claude");
  return { s, key };
}

for (const path of ["/v1/messages", "/claude/v1/messages"]) {
  claudeRoutes.post(path, async (c) => {
    const startedAt = Date.now();
    const { s, key } = await authorised(c);
    const body = await readJsonBody(c.req.raw, s.config.MAX_BODY_BYTES, messagesRequest);
    return forward(
      { services: s, provider: claudeProvider, key, requestId: c.get("requestId"), startedAt, meter: true, waitUntil: (p) => c.executionCtx.waitUntil(p) },
      {
        request: c.req.raw,
        path: "/v1/messages",
        search: new URL(c.req.url).search,
        body: body.text,
        model: body.value.model,
        stream: body.value.stream === true,
      },
    );
  });
}

claudeRoutes.post("/v1/messages/count_tokens", async (c) => {
  const startedAt = Date.now();
  const { s, key } = await authorised(c);
  const body = await readJsonBody(c.req.raw, s.config.MAX_BODY_BYTES, countTokensRequest);
  return forward(
    { services: s, provider: claudeProvider, key, requestId: c.get("requestId"), startedAt, meter: false, waitUntil: (p) => c.executionCtx.waitUntil(p) },
    {
      request: c.req.raw,
      path: "/v1/messages/count_tokens",
      search: new URL(c.req.url).search,
      body: body.text,
      model: body.value.model,
      stream: false,
    },
  );
});

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
