// Chat Completions relayed to an upstream that speaks them natively (Azure OpenAI, Droid's comm
// path). A stream without `stream_options.include_usage` carries no usage: it is switched on for
// the meter, and the usage-only chunk the client did not ask for is taken out again.
import type { z } from "zod";
import { asObject } from "../http/json.ts";
import type { Provider } from "../providers/provider.ts";
import { type RouteContext, relay, type Target } from "../relay/pipeline.ts";
import { dropUsageChunk, withStreamUsage } from "../translate/chat-usage.ts";

export async function relayNativeChat<T extends Record<string, unknown> & { stream?: boolean | undefined }>(
  c: RouteContext,
  provider: Provider,
  schema: z.ZodType<T>,
  target: (body: T, url: URL) => Target,
): Promise<Response> {
  let injected = false;
  const response = await relay(c, {
    provider: (body) => {
      injected = body.stream === true && asObject(body.stream_options)?.include_usage !== true;
      if (!injected) return provider;
      const text = withStreamUsage(body);
      return {
        ...provider,
        buildRequest: (call, account, credentials, config) =>
          provider.buildRequest({ ...call, body: text }, account, credentials, config),
      };
    },
    schema,
    target,
    meter: true,
  });
  if (!injected || !response.ok || !response.body) return response;
  return new Response(response.body.pipeThrough(dropUsageChunk()), response);
}
