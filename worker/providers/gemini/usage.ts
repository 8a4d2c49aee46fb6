// Usage of a Gemini answer, read off its SSE stream (`alt=sse`), its JSON body, or the JSON array
// a stream is without `alt=sse`. Code Assist wraps each answer as `{response: …}`; both shapes are read.
// Every chunk of a stream may carry `usageMetadata`; each is the running total, so the last one wins.

import { asObject, type Json } from "../../http/json.ts";
import type { Usage } from "../../keyspace/records/usage.ts";
import { sseJson } from "../../usage/sse.ts";
import { count, emptyUsage } from "../../usage/tokens.ts";
import type { MeteredUsage } from "../provider.ts";

/** The GenerateContentResponse inside a chunk: Code Assist's `{response: …}` or the chunk itself. */
export function innerResponse(chunk: Json): Json {
  return asObject(chunk.response) ?? chunk;
}

/**
 * Google's counts onto the relay's fields: cached prompt tokens are cache reads, not input; thoughts
 * are billed as output; tool-use prompt tokens are input.
 */
export function usageFromMetadata(metadata: Json): Usage {
  const usage = emptyUsage();
  const prompt = count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount);
  const cached = Math.min(count(metadata.cachedContentTokenCount), prompt);
  usage.input_tokens = prompt - cached;
  usage.cache_read_input_tokens = cached;
  usage.output_tokens = count(metadata.candidatesTokenCount) + count(metadata.thoughtsTokenCount);
  return usage;
}

class Reading {
  usage: Usage | undefined;
  model: string | undefined;
  complete = false;

  read(chunk: Json): void {
    const response = innerResponse(chunk);
    const metadata = asObject(response.usageMetadata);
    if (metadata) this.usage = usageFromMetadata(metadata);
    if (typeof response.modelVersion === "string" && response.modelVersion) {
      this.model = response.modelVersion.replace(/^models\//, "");
    }
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    if (candidates.some((c) => typeof asObject(c)?.finishReason === "string")) this.complete = true;
  }

  result(): MeteredUsage {
    return { usage: this.usage ?? emptyUsage(), model: this.model, complete: this.complete };
  }
}

export function usageFromSse(text: string): MeteredUsage {
  const reading = new Reading();
  for (const event of sseJson(text)) reading.read(event);
  return reading.result();
}

export function usageFromJson(text: string): MeteredUsage {
  const reading = new Reading();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reading.result();
  }
  for (const item of Array.isArray(body) ? body : [body]) {
    const chunk = asObject(item);
    if (chunk) reading.read(chunk);
  }
  return reading.result();
}
