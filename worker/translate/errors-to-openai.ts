// An upstream's error answer (Anthropic's, Google's, or OpenAI's own) in OpenAI's error shape, so a
// chat client sees one shape whatever backend answered. Pure function.
import { asObject } from "../http/json.ts";

export interface OpenaiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function typeForStatus(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The error body for the client; `undefined` when the upstream's is already in OpenAI's shape. */
export function openaiErrorFrom(status: number, text: string): OpenaiErrorBody | undefined {
  let body: Record<string, unknown> | undefined;
  try {
    body = asObject(JSON.parse(text));
  } catch {
    body = undefined;
  }
  const error = asObject(body?.error);
  const message = typeof error?.message === "string" && error.message !== "" ? error.message : undefined;
  const anthropic = body?.type === "error";
  const google = typeof error?.status === "string" || typeof error?.code === "number";
  if (error && message && !anthropic && !google) return undefined;
  const code = anthropic ? error?.type : google ? error?.status : undefined;
  return {
    error: {
      message: message ?? `Upstream error ${status}`,
      type: typeForStatus(status),
      param: null,
      code: typeof code === "string" ? code : null,
    },
  };
}
