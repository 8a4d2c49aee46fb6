// Steps 4–6: send the request to an upstream account, stream the answer back through the usage
// meter, and record usage after the response. Fails over to the next account while nothing
// has reached the client yet.
import type { Services } from "../env.ts";
import { errorBody, RelayError } from "../http/errors.ts";
import type { RelayKeyRecord } from "../keyspace/records.ts";
import type { ClientCall, MeteredUsage, Provider } from "../providers/provider.ts";
import { recordUsage } from "./after.ts";
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

export interface RelayContext {
  services: Services;
  provider: Provider;
  key: RelayKeyRecord;
  requestId: string;
  startedAt: number;
  /** False for calls that carry no billable usage (count_tokens). */
  meter: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
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

async function upstreamError(ctx: RelayContext, response: Response): Promise<Response> {
  const text = await response.text();
  const headers = clientHeaders(response, ctx.requestId);
  headers.set("content-type", "application/json");
  try {
    const body: unknown = JSON.parse(text);
    // An error already in the client's protocol shape passes through as the upstream sent it.
    if (body && typeof body === "object" && "error" in body)
      return new Response(text, { status: response.status, headers });
  } catch {
    // Not JSON: wrapped below.
  }
  const error = new RelayError(
    response.status === 429 ? "rate_limit" : "api_error",
    `Upstream error ${response.status}`,
    {
      status: response.status,
    },
  );
  return new Response(JSON.stringify(errorBody(ctx.provider.protocol, error)), {
    status: response.status,
    headers,
  });
}

export async function forward(ctx: RelayContext, call: ClientCall): Promise<Response> {
  const candidates = await candidateAccounts(ctx.services, ctx.provider.platform);
  if (candidates.length === 0) {
    throw new RelayError("unavailable", `No available ${ctx.provider.platform} accounts`, {
      headers: { "retry-after": "30" },
    });
  }
  let lastFailure: Response | undefined;
  for (const account of candidates.slice(0, MAX_ATTEMPTS)) {
    const credentials = await accountCredentials(ctx.services, account);
    const upstreamRequest = ctx.provider.buildRequest(call, account, credentials, ctx.services.config);
    let response: Response;
    try {
      response = await fetch(upstreamRequest);
    } catch {
      continue;
    }
    if (response.ok) return relayResponse(ctx, call, account.id, response);
    if (lastFailure) await lastFailure.body?.cancel();
    lastFailure = response;
    if (!isRetryable(response.status)) break;
  }
  if (!lastFailure) throw new RelayError("unavailable", "Upstream unreachable", { status: 502 });
  return upstreamError(ctx, lastFailure);
}

async function relayResponse(
  ctx: RelayContext,
  call: ClientCall,
  accountId: string,
  upstream: Response,
): Promise<Response> {
  const headers = clientHeaders(upstream, ctx.requestId);
  const record = (metered: MeteredUsage) =>
    recordUsage(ctx.services, {
      requestId: ctx.requestId,
      keyId: ctx.key.id,
      accountId,
      model: metered.model ?? call.model,
      status: upstream.status,
      startedAt: ctx.startedAt,
      usage: metered.usage,
      costMicroUsd: 0,
    }).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "usage not recorded",
          requestId: ctx.requestId,
          error: String(error),
        }),
      );
    });
  const isSse = headers.get("content-type")?.includes("text/event-stream") ?? false;
  if (!ctx.meter) return new Response(upstream.body, { status: upstream.status, headers });
  if (!upstream.body) return new Response(null, { status: upstream.status, headers });
  if (!isSse) {
    // Non-streaming answers are small: one read, one parse, the same bytes back.
    const text = await upstream.text();
    ctx.waitUntil(record(ctx.provider.usageFromJson(text)));
    return new Response(text, { status: upstream.status, headers });
  }
  const body = meterStream(upstream.body, {
    waitUntil: ctx.waitUntil,
    errorTail: () => ctx.provider.streamErrorEvent("Upstream connection lost mid-response"),
    onEnd: async ({ text }) => record(ctx.provider.usageFromSse(text)),
  });
  return new Response(body, { status: upstream.status, headers });
}
