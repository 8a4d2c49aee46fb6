// The OpenAI Responses surface, mounted at /openai (Codex CLI with base_url http://HOST/openai,
// the OpenAI SDK with baseURL http://HOST/openai/v1). Errors in OpenAI's shape.
import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { openaiProvider } from "../providers/openai/index.ts";
import { relay } from "../relay/pipeline.ts";
import { relayKey } from "../relay/relay-key.ts";
import { NO_QUERY } from "../relay/upstream-query.ts";

const responsesRequest = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  stream: z.boolean().optional(),
});
type ResponsesRequest = z.infer<typeof responsesRequest>;

export const openaiRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

openaiRoutes.use("*", async (c, next) => {
  c.set("protocol", "openai");
  await next();
});

/** The provider adds the version prefix (API) or the Codex backend base (ChatGPT accounts). */
const toUpstream = (path: string) => (body: ResponsesRequest) => ({
  path,
  search: NO_QUERY,
  model: body.model,
  stream: body.stream === true,
});

for (const prefix of ["", "/v1"]) {
  openaiRoutes.post(`${prefix}/responses`, relayKey, (c) =>
    relay(c, {
      provider: openaiProvider,
      schema: responsesRequest,
      target: toUpstream("/responses"),
      meter: true,
    }),
  );
  // Codex's remote compaction (x-codex-beta-features: remote_compaction_v2) when a thread grows long.
  openaiRoutes.post(`${prefix}/responses/compact`, relayKey, (c) =>
    relay(c, {
      provider: openaiProvider,
      schema: responsesRequest,
      target: toUpstream("/responses/compact"),
      meter: true,
    }),
  );
}
