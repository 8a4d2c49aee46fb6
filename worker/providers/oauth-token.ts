// One call to an OAuth token endpoint (Claude, Google, OpenAI, WorkOS), with the same answers to
// its failures: unreachable → 502; refused → 400 (502 when it failed itself), quoting the start of
// its answer; an answer without what `schema` needs → 502.
import { z } from "zod";
import { RelayError } from "../http/errors.ts";

export interface TokenEndpoint {
  /** How errors name it, e.g. "Claude OAuth token endpoint". */
  name: string;
  /** How a refusal starts, when not "<name> refused". */
  refusal?: string;
  /** Appended to a refusal's status, e.g. a setting that may be missing. */
  hint?: string;
}

/** What an OAuth token endpoint answers; only the fields the relay keeps are checked. */
export const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});

/** A form-encoded POST to a token endpoint, as Google and WorkOS take it. */
export const tokenFormRequest = (url: string, form: URLSearchParams): Request =>
  new Request(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form.toString(),
  });

export async function callTokenEndpoint<T>(
  request: Request,
  schema: z.ZodType<T>,
  endpoint: TokenEndpoint,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(request);
  } catch {
    throw new RelayError("unavailable", `The ${endpoint.name} could not be reached`, { status: 502 });
  }
  const text = await response.text();
  if (!response.ok) {
    const refusal = endpoint.refusal ?? `${endpoint.name} refused`;
    throw new RelayError(
      "invalid_request",
      `${refusal} (${response.status})${endpoint.hint ?? ""}: ${text.slice(0, 200)}`,
      { status: response.status >= 500 ? 502 : 400 },
    );
  }
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new RelayError("api_error", `${endpoint.name} answered without an access token`, { status: 502 });
  }
}
