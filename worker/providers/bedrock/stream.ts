// Bedrock's streamed answer (event-stream frames, each carrying one Anthropic stream event as
// base64) turned into the Anthropic SSE the client expects, frame by frame as they arrive.
import { EventStreamDecoder, EventStreamError, type EventStreamMessage } from "./eventstream.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** Bedrock's in-stream exception names (camelCase on the wire) → Anthropic's error types. */
const STREAM_ERROR_TYPES: Record<string, string> = {
  throttlingException: "rate_limit_error",
  serviceUnavailableException: "overloaded_error",
  modelNotReadyException: "overloaded_error",
  validationException: "invalid_request_error",
  modelTimeoutException: "timeout_error",
};

function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function payloadJson(message: EventStreamMessage): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(utf8.decode(message.payload));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new EventStreamError("Bedrock stream message payload is not a JSON object");
}

export function anthropicErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
}

/** An in-stream exception ends an AWS event stream: nothing after it is part of the answer. */
const isException = (message: EventStreamMessage) =>
  message.headers[":message-type"] === "exception" || message.headers[":message-type"] === "error";

/** One frame as SSE text ("" for frames that carry nothing for the client). */
export function sseOf(message: EventStreamMessage): string {
  const kind = message.headers[":message-type"];
  if (isException(message)) {
    const name = String(message.headers[":exception-type"] ?? message.headers[":error-code"] ?? "exception");
    const body = payloadJson(message);
    const text = body.message ?? body.Message ?? message.headers[":error-message"] ?? "Bedrock stream failed";
    return anthropicErrorEvent(
      (Object.hasOwn(STREAM_ERROR_TYPES, name) ? STREAM_ERROR_TYPES[name] : undefined) ?? "api_error",
      `AWS Bedrock (${name}): ${String(text)}`,
    );
  }
  if (kind !== "event" || message.headers[":event-type"] !== "chunk") return "";
  const bytes = payloadJson(message).bytes;
  if (typeof bytes !== "string") throw new EventStreamError("Bedrock chunk without bytes");
  const text = utf8.decode(base64Bytes(bytes));
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new EventStreamError("Bedrock chunk is not JSON");
  }
  const type = event && typeof event === "object" ? (event as Record<string, unknown>).type : undefined;
  if (typeof type !== "string") throw new EventStreamError("Bedrock chunk has no event type");
  // An SSE data line must not break: re-serialise the rare event whose JSON spans lines.
  const data = /[\r\n]/.test(text) ? JSON.stringify(event) : text;
  return `event: ${type}\ndata: ${data}\n\n`;
}

/**
 * The client's body: pulled from the upstream one chunk at a time. A broken or unreadable
 * upstream ends it with an Anthropic error event and a clean close rather than a stream error,
 * because erroring would discard the chunks the usage meter's tee has not read yet.
 */
export function bedrockSseBody(upstream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new EventStreamDecoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The events of this chunk before a bad frame still reach the client (and the meter).
      let out = "";
      try {
        for (;;) {
          const next = await reader.read();
          if (next.done) {
            decoder.finish();
            controller.close();
            return;
          }
          for (const message of decoder.push(next.value)) {
            out += sseOf(message);
            if (isException(message)) {
              reader.cancel().catch(() => {});
              controller.enqueue(encoder.encode(out));
              controller.close();
              return;
            }
          }
          if (out) {
            controller.enqueue(encoder.encode(out));
            return;
          }
        }
      } catch (error) {
        reader.cancel().catch(() => {});
        const message =
          error instanceof EventStreamError
            ? `AWS Bedrock stream unreadable: ${error.message}`
            : "Upstream connection lost mid-response";
        controller.enqueue(encoder.encode(out + anthropicErrorEvent("api_error", message)));
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
