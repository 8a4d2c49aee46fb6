// The Anthropic Messages surface, mounted at /api and /claude (Claude Code, the Anthropic SDK).
import { Hono } from "hono";
import { z } from "zod";
import { keyView } from "../admin/views.ts";
import { type Env, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { authenticate, extractRelayKey, requirePermission } from "../relay/auth.ts";
import { type RouteContext, relay } from "../relay/pipeline.ts";
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

for (const path of ["/v1/messages", "/claude/v1/messages"]) {
  claudeRoutes.post(path, (c) =>
    relay(c, {
      provider: claudeProvider,
      schema: messagesRequest,
      target: toUpstream("/v1/messages"),
      meter: true,
    }),
  );
}

claudeRoutes.post("/v1/messages/count_tokens", (c) =>
  relay(c, {
    provider: claudeProvider,
    schema: messagesRequest,
    target: toUpstream("/v1/messages/count_tokens"),
    meter: false,
  }),
);

async function authorised(c: RouteContext) {
  const key = await authenticate(services(c.env), extractRelayKey(c.req.raw, new URL(c.req.url)));
  requirePermission(key, "claude");
  return key;
}

claudeRoutes.get("/v1/models", async (c) => {
  await authorised(c);
  return c.json(claudeModelList());
});

for (const path of ["/v1/key-info", "/v1/me"]) {
  claudeRoutes.get(path, async (c) => c.json(keyView(await authorised(c))));
}
