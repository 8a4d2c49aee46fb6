// Usage of an OpenAI Responses answer, read off its SSE stream (`event:` lines optional: the event
// type is in the data) or its JSON body, and of a streamed Chat Completions answer. OpenAI counts
// cached tokens inside input_tokens and reasoning tokens inside output_tokens; the relay's fields
// keep cache reads apart, as the original records them: input = input_tokens − cached_tokens,
// cache read = cached_tokens.

import { asObject } from "../../http/json.ts";
import type { Usage } from "../../keyspace/records/usage.ts";
import { sseJson } from "../../usage/sse.ts";
import { count, emptyUsage } from "../../usage/tokens.ts";
import type { MeteredUsage } from "../provider.ts";

/** Events that end a response and carry its final `response` object with usage. */
const FINAL_EVENTS = new Set([
  "response.completed",
  "response.done",
  "response.incomplete",
  "response.failed",
]);
/** Of those, the ones after which the answer is whole (Codex requires response.completed). */
const COMPLETE_EVENTS = new Set(["response.completed", "response.done", "response.incomplete"]);

/** A Responses `usage` object in the relay's fields (Chat Completions' prompt/completion names accepted too). */
export function usageFromOpenai(raw: Record<string, unknown>): Usage {
  const usage = emptyUsage();
  const input = count(raw.input_tokens ?? raw.prompt_tokens);
  const details = asObject(raw.input_tokens_details) ?? asObject(raw.prompt_tokens_details) ?? {};
  const cached = Math.min(count(details.cached_tokens), input);
  // Some OpenAI-compatible upstreams report cache writes; the original counts them when present.
  const written = count(
    details.cache_creation_input_tokens ??
      details.cache_creation_tokens ??
      raw.cache_creation_input_tokens ??
      raw.cache_creation_tokens,
  );
  usage.input_tokens = input - cached;
  usage.cache_read_input_tokens = cached;
  usage.output_tokens = count(raw.output_tokens ?? raw.completion_tokens);
  usage.cache_creation_input_tokens = written;
  usage.ephemeral_5m_input_tokens = written;
  return usage;
}

export function usageFromSse(text: string): MeteredUsage {
  let usage = emptyUsage();
  let model: string | undefined;
  let complete = false;
  for (const event of sseJson(text)) {
    const type = typeof event.type === "string" ? event.type : "";
    const response = asObject(event.response);
    if (typeof response?.model === "string" && response.model !== "") model = response.model;
    if (!FINAL_EVENTS.has(type)) continue;
    const raw = asObject(response?.usage);
    if (raw) usage = usageFromOpenai(raw);
    if (COMPLETE_EVENTS.has(type)) complete = true;
  }
  return { usage, model, complete };
}

export function usageFromJson(text: string): MeteredUsage {
  try {
    const body = asObject(JSON.parse(text));
    // A Response object; some upstreams wrap it as { response: {...} }.
    const response = asObject(body?.usage) ? body : (asObject(body?.response) ?? body);
    const raw = asObject(response?.usage);
    const status = response?.status;
    return {
      usage: raw ? usageFromOpenai(raw) : emptyUsage(),
      model: typeof response?.model === "string" ? response.model : undefined,
      complete:
        raw !== undefined && (status === undefined || status === "completed" || status === "incomplete"),
    };
  } catch {
    return { usage: emptyUsage(), model: undefined, complete: false };
  }
}

/** Usage of a streamed chat completion: the chunk that carries `usage` (sent when include_usage is on). */
export function chatUsageFromSse(text: string): MeteredUsage {
  let usage = emptyUsage();
  let model: string | undefined;
  let complete = false;
  for (const chunk of sseJson(text)) {
    if (typeof chunk.model === "string" && chunk.model !== "") model = chunk.model;
    const raw = asObject(chunk.usage);
    if (raw) usage = usageFromOpenai(raw);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (choices.some((c) => typeof asObject(c)?.finish_reason === "string")) complete = true;
  }
  return { usage, model, complete };
}
