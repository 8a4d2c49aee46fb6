// The Gemini surface, mounted at /gemini (Gemini CLI, the Google GenAI SDK): the public API's
// `models/{model}:{method}` calls under /v1beta, /v1 and bare /models, the model list, and the Code
// Assist `v1internal:{method}` calls the original serves for Gemini CLI's login mode.
// A call is relayed to whichever account the pool picks: an API-key account speaks the public API,
// an OAuth account Code Assist; when the account's dialect is not the client's, the request is
// mapped by the provider and the answer here (codeassist.ts).
import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import {
  bareModel,
  codeAssistModel,
  codeAssistPath,
  GEMINI_METHODS,
  type GeminiMethod,
  publicPath,
  reshapeResponse,
} from "../providers/gemini/codeassist.ts";
import { geminiProvider } from "../providers/gemini/index.ts";
import { geminiModel, geminiModelList } from "../providers/gemini/models.ts";
import { speaksCodeAssist } from "../providers/gemini/upstream.ts";
import { isRestricted } from "../providers/model-patterns.ts";
import { type RouteContext, relay, type Target } from "../relay/pipeline.ts";
import { relayKey, requirePermission } from "../relay/relay-key.ts";
import { upstreamQuery } from "../relay/upstream-query.ts";

export const geminiRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

geminiRoutes.use("*", async (c, next) => {
  c.set("protocol", "google");
  await next();
});

const contents = z.array(z.unknown(), { error: "contents is required" }).min(1, "contents must not be empty");

const generateRequest = z.looseObject({ contents });
const countTokensRequest = z
  .looseObject({
    contents: z.array(z.unknown()).optional(),
    generateContentRequest: z.looseObject({ contents }).optional(),
  })
  .refine((b) => b.contents !== undefined || b.generateContentRequest !== undefined, {
    message: "contents is required",
    path: ["contents"],
  });
const codeAssistGenerateRequest = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  project: z.string().optional(),
  request: z.looseObject({ contents }, { error: "request is required" }),
});
const codeAssistCountRequest = z.looseObject({
  request: z.looseObject(
    {
      model: z.string({ error: "model is required" }).min(1, "model is required"),
      contents: z.array(z.unknown(), { error: "contents is required" }),
    },
    { error: "request is required" },
  ),
});

type Dialect = "public" | "code-assist";

const isMethod = (m: string | undefined): m is GeminiMethod =>
  (GEMINI_METHODS as readonly string[]).includes(m ?? "");

function unknownMethod(c: RouteContext): never {
  throw new RelayError("not_found", `No Gemini method at ${c.req.method} ${new URL(c.req.url).pathname}`);
}

/** Relays one call and, when the account that answered speaks the other dialect, reshapes its answer. */
function relayGemini<T>(
  c: RouteContext,
  dialect: Dialect,
  method: GeminiMethod,
  schema: z.ZodType<T>,
  target: (body: T, url: URL) => Target,
): Promise<Response> {
  // countTokens answers `{totalTokens}` in both dialects.
  if (method === "countTokens") return relay(c, { provider: geminiProvider, schema, target, meter: false });
  return relay(c, {
    provider: geminiProvider,
    schema,
    target,
    meter: true,
    respond(answer, account) {
      const wrapped = speaksCodeAssist(account);
      if (dialect === "public" && wrapped) return reshapeResponse(answer, "unwrap");
      if (dialect === "code-assist" && !wrapped) return reshapeResponse(answer, "wrap");
      return answer;
    },
  });
}

function publicCall(c: RouteContext, version: string, segment: string): Promise<Response> {
  const colon = segment.lastIndexOf(":");
  const model = bareModel(segment.slice(0, colon));
  const method = segment.slice(colon + 1);
  if (colon <= 0 || !model || !isMethod(method)) unknownMethod(c);
  const target = (_body: unknown, url: URL): Target => ({
    path: publicPath(version, model, method),
    search: upstreamQuery(url, "gemini"),
    model,
    stream: method === "streamGenerateContent",
  });
  return method === "countTokens"
    ? relayGemini(c, "public", method, countTokensRequest, target)
    : relayGemini(c, "public", method, generateRequest, target);
}

for (const version of ["v1beta", "v1"]) {
  geminiRoutes.post(`/${version}/models/:call`, relayKey, (c) => publicCall(c, version, c.req.param("call")));
}
// Bare `/models/...`, as the original accepts for clients that leave the version out.
geminiRoutes.post("/models/:call", relayKey, (c) => publicCall(c, "v1beta", c.req.param("call")));

/**
 * Code Assist setup calls. The relay runs every request in the project of the account that serves
 * it (found when the account was added), so a client's setup needs no upstream: it is told it is
 * onboarded, in the relay's own placeholder project.
 */
const RELAY_PROJECT = "edge-relay";
const RELAY_TIER = {
  id: "standard-tier",
  name: "edge-relay",
  description: "Gemini through edge-relay",
  userDefinedCloudaicompanionProject: false,
};

function setupAnswer(method: "loadCodeAssist" | "onboardUser"): unknown {
  if (method === "loadCodeAssist") {
    return {
      currentTier: RELAY_TIER,
      allowedTiers: [{ ...RELAY_TIER, isDefault: true }],
      cloudaicompanionProject: RELAY_PROJECT,
    };
  }
  return {
    name: `operations/${RELAY_PROJECT}`,
    done: true,
    response: { cloudaicompanionProject: { id: RELAY_PROJECT, name: RELAY_PROJECT } },
  };
}

for (const method of ["loadCodeAssist", "onboardUser"] as const) {
  geminiRoutes.post(`/v1internal:${method}`, relayKey, requirePermission("gemini"), (c) =>
    c.json(setupAnswer(method)),
  );
}

geminiRoutes.post("/:call", relayKey, async (c) => {
  const method = /^v1internal:([A-Za-z]+)$/.exec(c.req.param("call"))?.[1];
  if (!isMethod(method)) unknownMethod(c);
  if (method === "countTokens") {
    return relayGemini(c, "code-assist", method, codeAssistCountRequest, (body, url) => ({
      path: codeAssistPath(method),
      search: upstreamQuery(url, "gemini"),
      model: bareModel(body.request.model),
      stream: false,
    }));
  }
  return relayGemini(c, "code-assist", method, codeAssistGenerateRequest, (body, url) => ({
    path: codeAssistPath(method),
    search: upstreamQuery(url, "gemini"),
    model: codeAssistModel(body) ?? bareModel(body.model),
    stream: method === "streamGenerateContent",
  }));
});

for (const path of ["/v1beta/models", "/v1/models", "/models"]) {
  geminiRoutes.get(path, relayKey, requirePermission("gemini"), (c) =>
    c.json(geminiModelList(c.var.relayKey.limits.restrictedModels)),
  );
  geminiRoutes.get(`${path}/:model`, relayKey, requirePermission("gemini"), (c) => {
    const key = c.var.relayKey;
    const model = bareModel(c.req.param("model"));
    if (isRestricted(key.limits.restrictedModels, model)) {
      throw new RelayError("not_found", `Model ${model} is not found`);
    }
    return c.json(geminiModel(model));
  });
}
