// Usage of an Anthropic Messages response, read off its SSE stream or its JSON body.

import { asObject, type Json } from "../../http/json.ts";
import type { Usage } from "../../keyspace/records/usage.ts";
import { sseJson } from "../../usage/sse.ts";
import { addUsage, count, emptyUsage } from "../../usage/tokens.ts";
import type { MeteredUsage } from "../provider.ts";

/** Reads the fields of one `usage` object onto `into`; fields absent from it are left alone. */
function applyUsage(into: Usage, raw: Json): void {
  if ("input_tokens" in raw) into.input_tokens = count(raw.input_tokens);
  if ("output_tokens" in raw) into.output_tokens = count(raw.output_tokens);
  if ("cache_read_input_tokens" in raw) into.cache_read_input_tokens = count(raw.cache_read_input_tokens);
  if ("cache_creation_input_tokens" in raw) {
    into.cache_creation_input_tokens = count(raw.cache_creation_input_tokens);
  }
  const breakdown = asObject(raw.cache_creation);
  if (breakdown) {
    into.ephemeral_5m_input_tokens = count(breakdown.ephemeral_5m_input_tokens);
    into.ephemeral_1h_input_tokens = count(breakdown.ephemeral_1h_input_tokens);
  } else if ("cache_creation_input_tokens" in raw) {
    // Without a breakdown every cache write counts as a 5-minute write, as the original bills it.
    into.ephemeral_5m_input_tokens = into.cache_creation_input_tokens;
    into.ephemeral_1h_input_tokens = 0;
  }
}

export function usageFromSse(text: string): MeteredUsage {
  let total = emptyUsage();
  let current: Usage | undefined;
  let model: string | undefined;
  let complete = false;
  for (const event of sseJson(text)) {
    if (event.type === "message_start") {
      if (current) total = addUsage(total, current);
      current = emptyUsage();
      const message = asObject(event.message);
      if (typeof message?.model === "string") model = message.model;
      const usage = asObject(message?.usage);
      if (usage) applyUsage(current, usage);
    } else if (event.type === "message_delta") {
      const usage = asObject(event.usage);
      if (usage) {
        current ??= emptyUsage();
        applyUsage(current, usage);
      }
    } else if (event.type === "message_stop") {
      complete = true;
    }
  }
  if (current) total = addUsage(total, current);
  return { usage: total, model, complete };
}

export function usageFromJson(text: string): MeteredUsage {
  const usage = emptyUsage();
  try {
    const body = asObject(JSON.parse(text));
    const raw = asObject(body?.usage);
    if (raw) applyUsage(usage, raw);
    return {
      usage,
      model: typeof body?.model === "string" ? body.model : undefined,
      complete: body?.type === "message",
    };
  } catch {
    return { usage, model: undefined, complete: false };
  }
}
