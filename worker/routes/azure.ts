// The Azure OpenAI surface at /azure, on the original's flat paths (no `deployments/` for the
// client: the account names the deployment): POST /chat/completions, /responses, /embeddings;
// GET /models, /usage, /health. Only Azure OpenAI accounts serve it (their own AccountPool, "azure-openai").
// The key needs the `openai` permission: the original checks none here, but its permission list
// has no Azure entry, and a key limited to other platforms should not spend on OpenAI models.
// Errors in OpenAI's shape (Azure's own error bodies already are).
import { Hono } from "hono";
import { z } from "zod";
import { type Env, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import {
  azureChatProvider,
  azureEmbeddingsProvider,
  azureResponsesProvider,
} from "../providers/azure/index.ts";
import { bareModel } from "../providers/azure/upstream.ts";
import { isRestricted } from "../providers/model-patterns.ts";
import { relay } from "../relay/pipeline.ts";
import { relayKey, requirePermission } from "../relay/relay-key.ts";
import { NO_QUERY } from "../relay/upstream-query.ts";
import { periodStamps } from "../usage/periods.ts";
import { relayNativeChat } from "./native-chat.ts";

/** The original defaults a chat request without a model to gpt-4 (the deployment decides anyway). */
const DEFAULT_CHAT_MODEL = "gpt-4";

const chatBody = z.looseObject({
  model: z.string().optional(),
  messages: z.array(z.unknown(), { error: "messages is required" }).min(1, "messages must not be empty"),
  stream: z.boolean().optional(),
});
const responsesBody = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  stream: z.boolean().optional(),
});
const embeddingsBody = z.looseObject({
  model: z.string().optional(),
  input: z.unknown().refine((value) => value !== undefined, "input is required"),
});

export const azureRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

azureRoutes.use("*", async (c, next) => {
  c.set("protocol", "openai");
  await next();
});

azureRoutes.get("/health", (c) =>
  c.json({ status: "healthy", service: "azure-openai-relay", timestamp: new Date().toISOString() }),
);

azureRoutes.post("/chat/completions", relayKey, (c) =>
  relayNativeChat(c, azureChatProvider, chatBody, (body) => ({
    path: "chat/completions",
    search: NO_QUERY,
    model: bareModel(body.model || DEFAULT_CHAT_MODEL),
    stream: body.stream === true,
  })),
);

azureRoutes.post("/responses", relayKey, (c) =>
  relay(c, {
    provider: azureResponsesProvider,
    schema: responsesBody,
    target: (body) => ({
      path: "responses",
      search: NO_QUERY,
      model: bareModel(body.model),
      stream: body.stream === true,
    }),
    meter: true,
  }),
);

azureRoutes.post("/embeddings", relayKey, (c) =>
  relay(c, {
    provider: azureEmbeddingsProvider,
    schema: embeddingsBody,
    target: (body) => ({
      path: "embeddings",
      search: NO_QUERY,
      model: bareModel(body.model || "text-embedding-3-small"),
      stream: false,
    }),
    meter: true,
  }),
);

/**
 * The key's own usage, as the original's `GET /azure/usage` gives it (`{object: "usage", data}`),
 * in the relay's counters: all time, today and this month (days in TIMEZONE_OFFSET_HOURS).
 */
azureRoutes.get("/usage", relayKey, async (c) => {
  const s = services(c.env);
  const key = c.var.relayKey;
  const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
  const [total, today, month] = await Promise.all([
    s.keyspace.getUsage("key", key.id, { kind: "total" }),
    s.keyspace.getUsage("key", key.id, { kind: "daily", stamp: stamps.daily }),
    s.keyspace.getUsage("key", key.id, { kind: "monthly", stamp: stamps.monthly }),
  ]);
  return c.json({ object: "usage" as const, data: { total, today, month } });
});

/** The original's list, `azure/`-prefixed as it serves it. */
const AZURE_MODELS = [
  "gpt-4",
  "gpt-4-turbo",
  "gpt-4o",
  "gpt-4o-mini",
  "gpt-5",
  "gpt-5-mini",
  "gpt-35-turbo",
  "gpt-35-turbo-16k",
  "codex-mini",
  "text-embedding-ada-002",
  "text-embedding-3-small",
  "text-embedding-3-large",
];
const CREATED = 1_735_689_600; // 2025-01-01: the list carries no dates of its own

azureRoutes.get("/models", relayKey, requirePermission("openai"), (c) => {
  const key = c.var.relayKey;
  const data = AZURE_MODELS.filter(
    (m) =>
      !isRestricted(key.limits.restrictedModels, m) &&
      !isRestricted(key.limits.restrictedModels, `azure/${m}`),
  ).map((m) => ({ id: `azure/${m}`, object: "model" as const, created: CREATED, owned_by: "azure-openai" }));
  return c.json({ object: "list" as const, data });
});
