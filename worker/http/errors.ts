// One error type for the whole relay, rendered in the caller's protocol: Anthropic, OpenAI,
// Google, or the admin API's own JSON. Never a stack trace.

import { HTTPException } from "hono/http-exception";
import { describeError, log } from "./log.ts";

export type Protocol = "anthropic" | "openai" | "google" | "admin";

export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "quota"
  | "permission"
  | "not_found"
  | "too_large"
  | "rate_limit"
  | "api_error"
  | "unavailable"
  | "overloaded"
  | "timeout";

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  quota: 402,
  permission: 403,
  not_found: 404,
  too_large: 413,
  rate_limit: 429,
  api_error: 500,
  unavailable: 503,
  overloaded: 529,
  timeout: 504,
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  quota: "billing_error",
  permission: "permission_error",
  not_found: "not_found_error",
  too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  api_error: "api_error",
  unavailable: "api_error",
  overloaded: "overloaded_error",
  timeout: "timeout_error",
};

const OPENAI_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "invalid_request_error",
  quota: "insufficient_quota",
  permission: "permission_error",
  not_found: "invalid_request_error",
  too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  api_error: "server_error",
  unavailable: "server_error",
  overloaded: "server_error",
  timeout: "server_error",
};

const GOOGLE_STATUS: Record<ErrorKind, string> = {
  invalid_request: "INVALID_ARGUMENT",
  authentication: "UNAUTHENTICATED",
  quota: "RESOURCE_EXHAUSTED",
  permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  too_large: "INVALID_ARGUMENT",
  rate_limit: "RESOURCE_EXHAUSTED",
  api_error: "INTERNAL",
  unavailable: "UNAVAILABLE",
  overloaded: "UNAVAILABLE",
  timeout: "DEADLINE_EXCEEDED",
};

export class RelayError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  /** Machine-readable reason, e.g. `daily_cost_limit_exceeded`. */
  readonly code: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { code?: string; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.kind = kind;
    this.status = options.status ?? STATUS[kind];
    this.code = options.code;
    this.headers = options.headers ?? {};
  }
}

export function errorBody(protocol: Protocol, error: RelayError): unknown {
  switch (protocol) {
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[error.kind], message: error.message } };
    case "openai":
      return { error: { message: error.message, type: OPENAI_TYPE[error.kind], code: error.code ?? null } };
    case "google":
      return { error: { code: error.status, message: error.message, status: GOOGLE_STATUS[error.kind] } };
    case "admin":
      return { error: { type: error.code ?? error.kind, message: error.message } };
  }
}

export function errorResponse(protocol: Protocol, error: RelayError, requestId?: string): Response {
  const headers = new Headers(error.headers);
  headers.set("content-type", "application/json");
  if (requestId) headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(errorBody(protocol, error)), { status: error.status, headers });
}

/**
 * Anything thrown that is not a RelayError becomes a bare 500: logged here, details never sent.
 * Hono's own 4xx (its validators' "Malformed JSON in request body" for an empty or cut body)
 * is the client's mistake and keeps its status.
 */
export function asRelayError(thrown: unknown, requestId?: string): RelayError {
  if (thrown instanceof RelayError) return thrown;
  if (thrown instanceof HTTPException && thrown.status >= 400 && thrown.status < 500) {
    return new RelayError("invalid_request", thrown.message || "Invalid request", { status: thrown.status });
  }
  log("error", "unhandled error", { requestId, error: describeError(thrown) });
  return new RelayError("api_error", "Internal error in the relay");
}
