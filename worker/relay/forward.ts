// Steps 4–5: send the request to an upstream account and stream the answer back through the
// usage meter. Fails over to the next account while nothing has reached the client yet.
// Whatever happens, `finish` is called exactly once with what the request used.
import type { Services } from "../env.ts";
import { errorBody, RelayError } from "../http/errors.ts";
import type { ClientCall, MeteredUsage, Provider } from "../providers/provider.ts";
import { meterStream } from "./meter.ts";
import { accountCredentials, candidateAccounts } from "./schedule.ts";

const MAX_ATTEMPTS = 3;

/** Upstream response headers that describe the upstream connection, not the answer. */
const DROPPED_RESPONSE_HEADERS = [
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "set-cookie",
  "alt-svc",
];

export interface Finished {
  status: number;
  accountId?: string;
  /** Usage read off the answer; absent when nothing billable came back. */
  metered?: MeteredUsage;
}

export interface ForwardContext {
  services: Services;
  provider: Provider;
  requestId: string;
  /** False for calls that carry no billable usage (count_tokens): relayed as they come. */
  meter: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
  finish: (finished: Finished) => void;
}

function isRetryable(status: number): boolean {
  return status === 429 || status === 401 || status === 403 || status >= 500;
}

function clientHeaders(upstream: Response, requestId: string): Headers {
  const headers = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
  headers.set("x-request-id", requestId);
  return headers;
}

/** An upstream error in the client's protocol: passed through when already in that shape. */
async function upstreamError(ctx: ForwardContext, response: Response): Promise<Response> {
  const text = await response.text();
  const headers = clientHeaders(response, ctx.requestId);
  headers.set("content-type", "application/json");
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object" && "error" in body)
      return new Response(text, { status: response.status, headers });
  } catch {
    // Not JSON: wrapped below.
  }
  const kind = response.status === 429 ? "rate_limit" : "api_error";
  const error = new RelayError(kind, `Upstream error ${response.status}`, { status: response.status });
  return new Response(JSON.stringify(errorBody(ctx.provider.protocol, error)), {
    status: response.status,
    headers,
  });
}

export async function forward(ctx: ForwardContext, call: ClientCall): Promise<Response> {
  const candidates = await candidateAccounts(ctx.services, ctx.provider.platform);
  if (candidates.length === 0) {
    throw new RelayError("unavailable", `No available ${ctx.provider.platform} accounts`, {
      headers: { "retry-after": "30" },
    });
  }
  let lastFailure: { response: Response; accountId: string } | undefined;
  for (const account of candidates.slice(0, MAX_ATTEMPTS)) {
    const credentials = await accountCredentials(ctx.services, account);
    const upstreamRequest = ctx.provider.buildRequest(call, account, credentials, ctx.services.config);
    let response: Response;
    try {
      response = await fetch(upstreamRequest);
    } catch {
      continue;
    }
    if (response.ok) return relayResponse(ctx, account.id, response);
    await lastFailure?.response.body?.cancel();
    lastFailure = { response, accountId: account.id };
    if (!isRetryable(response.status)) break;
  }
  if (!lastFailure) throw new RelayError("unavailable", "Upstream unreachable", { status: 502 });
  ctx.finish({ status: lastFailure.response.status, accountId: lastFailure.accountId });
  return upstreamError(ctx, lastFailure.response);
}

async function relayResponse(ctx: ForwardContext, accountId: string, upstream: Response): Promise<Response> {
  const headers = clientHeaders(upstream, ctx.requestId);
  const status = upstream.status;
  if (!ctx.meter || !upstream.body) {
    ctx.finish({ status, accountId });
    return new Response(upstream.body, { status, headers });
  }
  if (!headers.get("content-type")?.includes("text/event-stream")) {
    // Non-streaming answers are small: one read, one parse, the same bytes back.
    const text = await upstream.text();
    ctx.finish({ status, accountId, metered: ctx.provider.usageFromJson(text) });
    return new Response(text, { status, headers });
  }
  const body = meterStream(upstream.body, {
    waitUntil: ctx.waitUntil,
    errorTail: () => ctx.provider.streamErrorEvent("Upstream connection lost mid-response"),
    onEnd: async ({ text }) => ctx.finish({ status, accountId, metered: ctx.provider.usageFromSse(text) }),
  });
  return new Response(body, { status, headers });
}
