// Builds the request to Factory.ai's LLM proxy for a Droid account, as the original does:
// Anthropic Messages to `{base}/a/v1/messages`, OpenAI Responses to `{base}/o/v1/responses`,
// Chat Completions ("comm") to `{base}/o/v1/chat/completions`, with the Factory CLI's identity
// (user agent, `x-factory-client: cli`, `x-api-provider`), the Droid system prompt, and the
// original's model mappings. Only the client's session id travels from its headers.
import type { Config } from "../../env.ts";
import { asObject } from "../../http/json.ts";
import {
  type AccountRecord,
  consoleCredentialsSchema,
  oauthCredentialsSchema,
} from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";
import { droidSettingsOf } from "./settings.ts";

export type DroidEndpoint = "anthropic" | "openai" | "comm";

export const DROID_API_BASE = "https://api.factory.ai/api/llm";
const PATHS: Record<DroidEndpoint, string> = {
  anthropic: "/a/v1/messages",
  openai: "/o/v1/responses",
  comm: "/o/v1/chat/completions",
};
export const DROID_USER_AGENT = "factory-cli/0.32.1";
export const DROID_SYSTEM_PROMPT = "You are Droid, an AI software engineering agent built by Factory.";

type Json = Record<string, unknown>;

function thinkingRequested(body: Json): boolean {
  const thinking = body.thinking;
  if (thinking === true) return true;
  if (typeof thinking === "string") return thinking.trim().toLowerCase() === "enabled";
  const object = asObject(thinking);
  if (!object) return false;
  return (
    object.enabled === true || (typeof object.type === "string" && object.type.toLowerCase() === "enabled")
  );
}

/** Which upstream provider Factory routes a chat model to (the original's rule). */
export function commProvider(model: unknown): string {
  const m = typeof model === "string" ? model.toLowerCase() : "";
  if (m.includes("gemini")) return "google";
  if (m.includes("claude")) return "anthropic";
  if (m.includes("gpt")) return "azure_openai";
  if (m.includes("glm")) return "fireworks";
  return "baseten";
}

/** The model Factory is asked for: haiku is not offered there, and `gpt-5` needs its dated name. */
export function droidModel(endpoint: DroidEndpoint, model: string): string {
  const m = model.trim().toLowerCase();
  if (endpoint === "anthropic" && m.includes("haiku")) return "claude-sonnet-4-20250514";
  if (endpoint === "openai" && m === "gpt-5") return "gpt-5-2025-08-07";
  return model;
}

function withSystemPrompt(endpoint: DroidEndpoint, body: Json): void {
  if (endpoint === "anthropic") {
    const block = { type: "text", text: DROID_SYSTEM_PROMPT };
    if (!Array.isArray(body.system)) {
      // A string system prompt is kept after Droid's, as a block of its own.
      body.system =
        typeof body.system === "string" && body.system !== ""
          ? [block, { type: "text", text: body.system }]
          : [block];
    } else if (!body.system.some((item) => asObject(item)?.text === DROID_SYSTEM_PROMPT)) {
      body.system = [block, ...body.system];
    }
  } else if (endpoint === "openai") {
    const instructions = typeof body.instructions === "string" ? body.instructions : "";
    if (!instructions.startsWith(DROID_SYSTEM_PROMPT))
      body.instructions = `${DROID_SYSTEM_PROMPT}${instructions}`;
  } else if (Array.isArray(body.messages)) {
    const index = body.messages.findIndex((m) => asObject(m)?.role === "system");
    const system = index >= 0 ? asObject(body.messages[index]) : undefined;
    if (!system) body.messages = [{ role: "system", content: DROID_SYSTEM_PROMPT }, ...body.messages];
    else if (typeof system.content === "string" && !system.content.startsWith(DROID_SYSTEM_PROMPT)) {
      body.messages = body.messages.map((m, i) =>
        i === index ? { ...system, content: `${DROID_SYSTEM_PROMPT}${system.content}` } : m,
      );
    }
  }
}

/** The body Factory gets: metadata dropped, stream explicit, Droid's prompt, one of temperature/top_p. */
export function droidBody(endpoint: DroidEndpoint, body: Json, stream: boolean): Json {
  const out: Json = { ...body };
  delete out.metadata;
  if (stream) out.stream = true;
  else if ("stream" in out) out.stream = false;
  if (typeof out.model === "string") out.model = droidModel(endpoint, out.model);
  withSystemPrompt(endpoint, out);
  if (
    out.temperature !== undefined &&
    out.temperature !== null &&
    out.top_p !== undefined &&
    out.top_p !== null
  )
    delete out.top_p;
  return out;
}

function droidHeaders(
  endpoint: DroidEndpoint,
  body: Json,
  incoming: Headers,
  apiKey: string,
  userAgent: string,
) {
  const headers = new Headers({
    "content-type": "application/json",
    authorization: `Bearer ${apiKey}`,
    "user-agent": userAgent,
    "x-factory-client": "cli",
    "x-session-id": incoming.get("x-session-id") ?? crypto.randomUUID(),
  });
  if (endpoint === "anthropic") {
    headers.set("accept", "application/json");
    headers.set("anthropic-version", "2023-06-01");
    // Factory's Anthropic proxy wants the header present; the bearer carries the credential.
    headers.set("x-api-key", "placeholder");
    headers.set("x-api-provider", "anthropic");
    if (thinkingRequested(body)) headers.set("anthropic-beta", "interleaved-thinking-2025-05-14");
  } else if (endpoint === "openai") {
    const model = typeof body.model === "string" ? body.model.toLowerCase() : "";
    headers.set("x-api-provider", model.includes("-max") ? "openai" : "azure_openai");
  } else {
    headers.set("x-api-provider", commProvider(body.model));
  }
  return headers;
}

/** An API-key account's key, or an OAuth account's access token: Factory takes either as the bearer. */
export function droidBearer(credentials: unknown): string {
  const key = consoleCredentialsSchema.safeParse(credentials);
  return key.success ? key.data.apiKey : oauthCredentialsSchema.parse(credentials).accessToken;
}

export function buildDroidRequest(
  endpoint: DroidEndpoint,
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  _config: Config,
): Request {
  let parsed: Json | undefined;
  try {
    parsed = asObject(JSON.parse(call.body));
  } catch {
    parsed = undefined;
  }
  const body = droidBody(endpoint, parsed ?? {}, call.stream);
  const apiKey = droidBearer(credentials);
  const userAgent = droidSettingsOf(account).userAgent ?? DROID_USER_AGENT;
  const base = (account.baseUrl || DROID_API_BASE).replace(/\/+$/, "");
  return new Request(`${base}${PATHS[endpoint]}`, {
    method: "POST",
    headers: droidHeaders(endpoint, body, call.request.headers, apiKey, userAgent),
    body: JSON.stringify(body),
  });
}
