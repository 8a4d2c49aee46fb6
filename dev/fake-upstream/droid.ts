// Factory.ai's LLM proxy (what Droid accounts call) as the fake serves it:
// `…/api/llm/a/v1/messages` (Anthropic), `…/api/llm/o/v1/responses` and
// `…/api/llm/o/v1/chat/completions` (OpenAI). Factory takes the account's key as a bearer token
// and wants the Factory CLI's `x-factory-client` and an `x-api-provider`; the answer itself is
// the Anthropic or OpenAI one. Pure functions: no I/O here.

const DROID_ROUTE = /\/api\/llm\/(?<surface>a|o)\/v1\/(?<op>messages|responses|chat\/completions)\/?$/;

export interface DroidPath {
  surface: "anthropic" | "openai";
}

export function droidPath(pathname: string): DroidPath | undefined {
  const groups = DROID_ROUTE.exec(pathname)?.groups;
  if (!groups) return undefined;
  const anthropic = groups.surface === "a";
  // Messages live only under /a/, Responses and chat only under /o/.
  if (anthropic !== (groups.op === "messages")) return undefined;
  return { surface: anthropic ? "anthropic" : "openai" };
}

/** The bearer token Factory authenticates with (x-api-key is a placeholder on the Anthropic path). */
export function droidCredential(headers: Record<string, string | string[] | undefined>): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(String(headers.authorization ?? ""))?.[1];
}

const errorBody = (path: DroidPath, status: number, message: string) =>
  path.surface === "anthropic"
    ? {
        type: "error",
        error: { type: status === 401 ? "authentication_error" : "invalid_request_error", message },
      }
    : { error: { message, type: "invalid_request_error", code: status === 401 ? "invalid_api_key" : null } };

/** Why Factory would refuse the call before looking at it, or undefined when it would not. */
export function droidRefusal(
  path: DroidPath,
  headers: Record<string, string | string[] | undefined>,
): { status: number; body: unknown } | undefined {
  if (!droidCredential(headers)) {
    return {
      status: 401,
      body: errorBody(path, 401, "Factory API key required: Authorization: Bearer <key>"),
    };
  }
  if (headers["x-factory-client"] !== "cli") {
    return { status: 400, body: errorBody(path, 400, "x-factory-client header is required") };
  }
  const provider = headers["x-api-provider"];
  if (typeof provider !== "string" || provider === "") {
    return { status: 400, body: errorBody(path, 400, "x-api-provider header is required") };
  }
  if (path.surface === "anthropic" && provider !== "anthropic") {
    return {
      status: 400,
      body: errorBody(path, 400, `x-api-provider ${provider} does not serve /a/v1/messages`),
    };
  }
  return undefined;
}
