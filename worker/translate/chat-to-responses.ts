// OpenAI Chat Completions → OpenAI Responses, for ChatGPT (OAuth) accounts, which serve only the
// Responses API through the Codex backend. Pure functions.
import type { Json } from "../http/json.ts";
import {
  type ChatMessage,
  type ChatPart,
  type ChatRequest,
  isHttpUrl,
  parseDataUrl,
  refuse,
  refuseUniversal,
  systemTexts,
  textOnly,
} from "./chat.ts";

/**
 * The Codex backend refuses a request without top-level `instructions`; a chat request without a
 * system message gets this neutral one (its own system messages go there when it has them).
 */
export const DEFAULT_INSTRUCTIONS = "You are a helpful assistant.";

function inputPart(part: ChatPart, field: string): Json {
  switch (part.type) {
    case "text":
      return { type: "input_text", text: part.text };
    case "image_url": {
      const url = part.image_url.url;
      if (!parseDataUrl(url) && !isHttpUrl(url))
        refuse(`${field}.image_url.url`, "must be an http(s) or data: URL");
      return { type: "input_image", image_url: url, detail: part.image_url.detail ?? "auto" };
    }
    case "file": {
      const out: Json = { type: "input_file" };
      if (part.file.file_data !== undefined) out.file_data = part.file.file_data;
      if (part.file.file_id !== undefined) out.file_id = part.file.file_id;
      if (part.file.filename !== undefined) out.filename = part.file.filename;
      return out;
    }
    case "input_audio":
      return refuse(`${field}.type`, "audio input is not available through ChatGPT accounts");
  }
}

function inputItems(messages: ChatMessage[]): Json[] {
  const items: Json[] = [];
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        return;
      case "user": {
        const content =
          typeof message.content === "string"
            ? [{ type: "input_text", text: message.content }]
            : message.content.map((part, j) => inputPart(part, `${field}.content[${j}]`));
        items.push({ type: "message", role: "user", content });
        return;
      }
      case "assistant": {
        const text = textOnly(message.content, `${field}.content`, "an assistant message");
        if (text !== "" || !message.tool_calls) {
          items.push({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
        }
        for (const call of message.tool_calls ?? []) {
          items.push({
            type: "function_call",
            call_id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          });
        }
        return;
      }
      case "tool":
        items.push({
          type: "function_call_output",
          call_id: message.tool_call_id,
          output: textOnly(message.content, `${field}.content`, "a tool result"),
        });
    }
  });
  return items;
}

/** What the Responses API cannot carry, refused by name. */
function refuseForResponses(body: Json, request: ChatRequest): void {
  refuseUniversal(body);
  if (request.n !== undefined && request.n > 1) refuse("n", "ChatGPT accounts return one choice per request");
  if (request.stop) refuse("stop", "stop sequences are not available through ChatGPT accounts");
  if (request.presencePenalty !== undefined)
    refuse("presence_penalty", "is not available through ChatGPT accounts");
  if (request.frequencyPenalty !== undefined)
    refuse("frequency_penalty", "is not available through ChatGPT accounts");
}

/**
 * The Responses body for a chat request: system and developer messages as `instructions`, turns
 * as input items (tool calls and their outputs keep their call ids), always streamed — the Codex
 * backend only streams; a client that asked for JSON gets the stream folded into one completion.
 * The provider sets `store: false`.
 */
export function chatToResponsesRequest(body: Json, request: ChatRequest): Json {
  refuseForResponses(body, request);
  const system = systemTexts(request.messages);
  const out: Json = {
    model: request.model,
    instructions: system.length > 0 ? system.join("\n\n") : DEFAULT_INSTRUCTIONS,
    input: inputItems(request.messages),
    stream: true,
  };
  if (request.maxTokens !== undefined) out.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.topP !== undefined) out.top_p = request.topP;
  if (request.tools) {
    out.tools = request.tools.map((tool) => ({
      type: "function",
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      parameters: tool.function.parameters ?? { type: "object", properties: {} },
      ...(tool.function.strict === undefined ? {} : { strict: tool.function.strict }),
    }));
  }
  const choice = request.toolChoice;
  if (typeof choice === "string") out.tool_choice = choice;
  else if (choice) out.tool_choice = { type: "function", name: choice.function.name };
  if (request.parallelToolCalls !== undefined) out.parallel_tool_calls = request.parallelToolCalls;
  const format = request.responseFormat;
  if (format?.type === "json_object") out.text = { format: { type: "json_object" } };
  if (format?.type === "json_schema") {
    out.text = { format: { type: "json_schema", ...format.json_schema } };
  }
  if (request.reasoningEffort !== undefined) out.reasoning = { effort: request.reasoningEffort };
  return out;
}
