// The Anthropic Messages surface, mounted at /api and /claude (Claude Code, the Anthropic SDK).
import { Hono } from "hono";
import { z } from "zod";
import { keyView } from "../admin/views.ts";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { relay } from "../relay/pipeline.ts";
import { relayKey, requirePermission } from "../relay/relay-key.ts";
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
  claudeRoutes.post(path, relayKey, (c) =>
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
