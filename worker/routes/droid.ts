// The Droid (Factory.ai) surface at /droid, on the original's paths: POST /claude/v1/messages
// (Anthropic Messages), /comm/v1/chat/completions (OpenAI Chat Completions), /openai/v1/responses
// and /openai/responses (OpenAI Responses); GET /{claude,comm,openai}/v1/models. Only Droid
// accounts serve it, and the key needs the `droid` permission, as in the original. Errors come in
// the shape of the protocol each path speaks.
import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { droidChatProvider, droidClaudeProvider, droidResponsesProvider } from "../providers/droid/index.ts";
import { isRestricted } from "../providers/model-patterns.ts";
import { relay } from "../relay/pipeline.ts";
import { relayKey, requirePermission } from "../relay/relay-key.ts";
import { NO_QUERY } from "../relay/upstream-query.ts";
import { relayNativeChat } from "./native-chat.ts";

const model = z.string({ error: "model is required" }).min(1, "model is required");
const messagesBody = z.looseObject({
  model,
  messages: z.array(z.unknown(), { error: "messages is required" }),
  stream: z.boolean().optional(),
});
const chatBody = z.looseObject({
  model,
  messages: z.array(z.unknown(), { error: "messages is required" }).min(1, "messages must not be empty"),
  stream: z.boolean().optional(),
});
const responsesBody = z.looseObject({ model, stream: z.boolean().optional() });

export const droidRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

droidRoutes.use("/claude/*", async (c, next) => {
  c.set("protocol", "anthropic");
  await next();
});
droidRoutes.use("/comm/*", async (c, next) => {
  c.set("protocol", "openai");
  await next();
});
droidRoutes.use("/openai/*", async (c, next) => {
  c.set("protocol", "openai");
  await next();
});

const target = (body: { model: string; stream?: boolean | undefined }) => ({
  path: "",
  search: NO_QUERY,
  model: body.model,
  stream: body.stream === true,
});

droidRoutes.post("/claude/v1/messages", relayKey, (c) =>
  relay(c, { provider: droidClaudeProvider, schema: messagesBody, target, meter: true }),
);

droidRoutes.post("/comm/v1/chat/completions", relayKey, (c) =>
  relayNativeChat(c, droidChatProvider, chatBody, target),
);

for (const path of ["/openai/v1/responses", "/openai/responses"]) {
  droidRoutes.post(path, relayKey, (c) =>
    relay(c, { provider: droidResponsesProvider, schema: responsesBody, target, meter: true }),
  );
}

/** The original's list: what Factory serves that Droid asks for. */
const DROID_MODELS = [
  { id: "claude-opus-4-1-20250805", owned_by: "anthropic" },
  { id: "claude-sonnet-4-5-20250929", owned_by: "anthropic" },
  { id: "gpt-5-2025-08-07", owned_by: "openai" },
];
const CREATED = 1_735_689_600; // 2025-01-01: the list carries no dates of its own

// The route groups above set the protocol of each surface, so a refused key gets its error shape.
droidRoutes.get("/:surface{claude|comm|openai}/v1/models", relayKey, requirePermission("droid"), (c) => {
  const key = c.var.relayKey;
  const data = DROID_MODELS.filter((m) => !isRestricted(key.limits.restrictedModels, m.id)).map((m) => ({
    ...m,
    object: "model" as const,
    created: CREATED,
  }));
  return c.json({ object: "list" as const, data });
});
