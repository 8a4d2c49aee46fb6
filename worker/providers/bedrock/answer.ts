// Bedrock's answers in Anthropic's shape: streams re-framed as SSE, errors ({"message"} plus the
// x-amzn-errortype header) as Anthropic error bodies with the same status, so the Claude
// outcome rules and the client both read them as they read Anthropic's own.
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import type { AdaptedAnswer, ClientCall } from "../provider.ts";
import { bedrockModelId } from "./models.ts";
import { bedrockSettingsOf } from "./settings.ts";
import { bedrockSseBody } from "./stream.ts";

const ERROR_TYPES: Record<string, string> = {
  ThrottlingException: "rate_limit_error",
  ServiceQuotaExceededException: "rate_limit_error",
  UnrecognizedClientException: "authentication_error",
  InvalidSignatureException: "authentication_error",
  IncompleteSignatureException: "authentication_error",
  ExpiredTokenException: "authentication_error",
  AccessDeniedException: "permission_error",
  ValidationException: "invalid_request_error",
  ResourceNotFoundException: "not_found_error",
  ModelTimeoutException: "timeout_error",
  ServiceUnavailableException: "overloaded_error",
  ModelNotReadyException: "overloaded_error",
};

function typeByStatus(status: number): string {
  if (status === 429) return "rate_limit_error";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status < 500) return "invalid_request_error";
  return "api_error";
}

/** `ThrottlingException:http://internal.amazon.com/…` → `ThrottlingException`. */
const errorName = (header: string | null) => header?.split(":")[0]?.trim() || undefined;

export function anthropicErrorBody(status: number, errorType: string | undefined, text: string): string {
  let message = text.slice(0, 500);
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object") {
      const fields = body as Record<string, unknown>;
      const found = fields.message ?? fields.Message;
      if (typeof found === "string") message = found;
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  const type = (errorType && ERROR_TYPES[errorType]) ?? typeByStatus(status);
  const prefix = errorType ? `AWS Bedrock (${errorType})` : `AWS Bedrock error ${status}`;
  return JSON.stringify({ type: "error", error: { type, message: `${prefix}: ${message}` } });
}

/** The error body rewritten when it has fully arrived (error bodies are small). */
function errorAnswer(response: Response): Response {
  const errorType = errorName(response.headers.get("x-amzn-errortype"));
  let text = "";
  const decoder = new TextDecoder();
  const rewrite = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk) {
      text += decoder.decode(chunk, { stream: true });
    },
    flush(controller) {
      text += decoder.decode();
      controller.enqueue(new TextEncoder().encode(anthropicErrorBody(response.status, errorType, text)));
    },
  });
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  const body = (response.body ?? new Response("").body)?.pipeThrough(rewrite) ?? null;
  return new Response(body, { status: response.status, headers });
}

export function bedrockAnswer(response: Response, call: ClientCall, account: AccountRecord): AdaptedAnswer {
  // Recorded under the Bedrock model id, as CRS records Bedrock usage (pricing strips the prefix).
  const usageModel = bedrockModelId(call.model, bedrockSettingsOf(account));
  if (!response.ok) return { response: errorAnswer(response), usageModel };
  const type = response.headers.get("content-type") ?? "";
  if (!response.body || !type.includes("application/vnd.amazon.eventstream")) return { response, usageModel };
  const headers = new Headers(response.headers);
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  return {
    response: new Response(bedrockSseBody(response.body), { status: response.status, headers }),
    usageModel,
  };
}
