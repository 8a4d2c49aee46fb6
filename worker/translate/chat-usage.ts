// Chat Completions as an upstream protocol (OpenAI API-key accounts answer chat natively): the
// usage chunk asked for on the client's behalf, so the meter (providers/openai/usage.ts) can read
// it, and taken out again before the client sees it.
import { asObject } from "../http/json.ts";

/** The request body with `stream_options.include_usage` on, so that a streamed answer can be metered. */
export function withStreamUsage(body: Record<string, unknown>): string {
  const options = asObject(body.stream_options) ?? {};
  return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
}

const EVENT_END = /\r?\n\r?\n/;

function isUsageOnly(block: string): boolean {
  const data = /^data: ?(.*)$/m.exec(block)?.[1];
  if (!data?.includes('"usage"')) return false;
  try {
    const chunk = asObject(JSON.parse(data));
    return Array.isArray(chunk?.choices) && chunk.choices.length === 0 && asObject(chunk.usage) !== undefined;
  } catch {
    return false;
  }
}

/** Passes every event as it came except the usage-only chunk the client did not ask for. */
export function dropUsageChunk(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  return new TransformStream({
    transform(bytes, controller) {
      buffer += decoder.decode(bytes, { stream: true });
      let out = "";
      for (let end = EVENT_END.exec(buffer); end; end = EVENT_END.exec(buffer)) {
        const block = buffer.slice(0, end.index + end[0].length);
        buffer = buffer.slice(end.index + end[0].length);
        if (!isUsageOnly(block)) out += block;
      }
      if (out !== "") controller.enqueue(encoder.encode(out));
    },
    flush(controller) {
      buffer += decoder.decode();
      if (buffer !== "" && !isUsageOnly(buffer)) controller.enqueue(encoder.encode(buffer));
    },
  });
}
